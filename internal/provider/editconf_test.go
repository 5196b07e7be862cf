package provider

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dbtls/terraform-provider-dbtls/internal/host"
	"github.com/dbtls/terraform-provider-dbtls/internal/neo4j"
)

func testTarget(t *testing.T, conf []byte) (*target, string) {
	t.Helper()
	home := newHome(t, conf)
	file := filepath.Join(home, "conf", "neo4j.conf")
	return &target{Version: neo4j.MustParseVersion("5.26"), Neo4jHome: home, ConfigFile: file, Host: host.NewLocal()}, file
}

func newTestProviderData() *providerData {
	return &providerData{hosts: newHostPool(), confs: newConfCache(), certs: &certCache{}}
}

// Many goroutines (with separate caches, as separate provider processes would have) set and reset
// their blocks while an outside writer that honours the lock appends foreign lines; repeated. No
// block and no foreign line may be lost. Run under -race by `make test`.
func TestEditConfRace(t *testing.T) {
	t.Parallel()
	for round := 0; round < 4; round++ {
		tgt, file := testTarget(t, realisticConf)
		const writers, foreign = 16, 12
		var wg sync.WaitGroup
		errs := make(chan error, writers*2+foreign)
		for i := 0; i < writers; i++ {
			d := newTestProviderData()
			if i%2 == 0 {
				d = sharedRaceData
			}
			wg.Add(1)
			go func(i int, d *providerData) {
				defer wg.Done()
				id := fmt.Sprintf("race block %d", i)
				for v := 0; v < 2; v++ {
					lines := []string{fmt.Sprintf("race.key.%d=%d", i, v)}
					if err := d.editConf(context.Background(), tgt, "race test", func(c *neo4j.Conf) ([]byte, error) { return c.SetBlock(id, lines) }); err != nil {
						errs <- err
					}
				}
			}(i, d)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			h := host.NewLocal()
			for j := 0; j < foreign; j++ {
				lock, err := h.Lock(context.Background(), file, "outside writer", 30*time.Second)
				if err != nil {
					errs <- err
					return
				}
				b, err := os.ReadFile(file)
				if err == nil {
					err = h.WriteFile(context.Background(), file, append(b, []byte(fmt.Sprintf("\nforeign.key.%d=x", j))...), 0o640, host.Owner{})
				}
				_ = lock.Unlock()
				if err != nil {
					errs <- err
				}
			}
		}()
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		got, err := os.ReadFile(file)
		must(t, err)
		for i := 0; i < writers; i++ {
			if n := strings.Count(string(got), fmt.Sprintf("race.key.%d=1\n", i)); n != 1 {
				t.Fatalf("round %d: block %d present %d times:\n%s", round, i, n, got)
			}
		}
		for j := 0; j < foreign; j++ {
			if n := strings.Count(string(got), fmt.Sprintf("foreign.key.%d=x", j)); n != 1 {
				t.Fatalf("round %d: foreign line %d present %d times", round, j, n)
			}
		}
		if !strings.HasPrefix(string(got), string(realisticConf)) {
			t.Fatalf("round %d: the original bytes changed", round)
		}
	}
}

var sharedRaceData = newTestProviderData()

// A writer process killed with SIGKILL at random moments, many times: the file always parses, its
// foreign bytes are intact and the block is one complete version; the next edit converges and
// leaves no temp file.
func TestEditConfCrashSafety(t *testing.T) {
	if os.Getenv("DBTLS_CRASH_CHILD") != "" {
		t.Skip("runs as the child of itself")
	}
	t.Parallel()
	tgt, file := testTarget(t, realisticConf)
	d := newTestProviderData()
	blockRE := regexp.MustCompile(`^crash\.key=\d+ pad=x+$`)
	sawTemp := 0
	for i := 0; i < 25; i++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestEditConfCrashChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), "DBTLS_CRASH_CHILD="+file)
		must(t, cmd.Start())
		time.Sleep(time.Duration(20+rand.IntN(60)) * time.Millisecond)
		must(t, cmd.Process.Kill())
		_ = cmd.Wait()

		b, err := os.ReadFile(file)
		must(t, err)
		c, err := neo4j.ParseConf(b)
		if err != nil {
			t.Fatalf("kill %d: the file does not parse: %v", i, err)
		}
		if got := c.RemoveBlock("crash"); string(got) != string(realisticConf) {
			t.Fatalf("kill %d: foreign bytes changed", i)
		}
		for _, blk := range c.Block("crash") {
			if len(blk.Lines) != 1 || !blockRE.MatchString(blk.Lines[0]) {
				t.Fatalf("kill %d: torn block %q", i, blk.Lines)
			}
		}
		if names, _ := filepath.Glob(filepath.Join(filepath.Dir(file), ".neo4j.conf.dbtls-tmp-*")); len(names) > 0 {
			sawTemp++
		}
		must(t, d.editConf(context.Background(), tgt, "converge", func(c *neo4j.Conf) ([]byte, error) {
			return c.SetBlock("crash", []string{"crash.key=0 pad=x"})
		}))
		assertNoTempFiles(t, filepath.Dir(file))
	}
	t.Logf("a killed writer left a temp file behind %d times out of 25; each was cleaned by the next edit", sawTemp)
}

// TestEditConfCrashChild is the writer the crash test kills: it rewrites the block as fast as it can.
func TestEditConfCrashChild(t *testing.T) {
	file := os.Getenv("DBTLS_CRASH_CHILD")
	if file == "" {
		t.Skip("only runs as the crash test's child")
	}
	tgt := &target{Version: neo4j.MustParseVersion("5.26"), Neo4jHome: filepath.Dir(filepath.Dir(file)), ConfigFile: file, Host: host.NewLocal()}
	d := newTestProviderData()
	for v := 1; ; v++ {
		lines := []string{fmt.Sprintf("crash.key=%d pad=%s", v, strings.Repeat("x", 1+v%4000))}
		if err := d.editConf(context.Background(), tgt, "crash child", func(c *neo4j.Conf) ([]byte, error) { return c.SetBlock("crash", lines) }); err != nil {
			t.Fatal(err)
		}
	}
}
