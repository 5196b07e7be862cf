//go:build linux

package deploy

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dbtls/terraform-provider-dbtls/internal/host"
	"github.com/dbtls/terraform-provider-dbtls/internal/neo4j"
)

// foreignConf is what an operator wrote: comments, settings, a CRLF line, a continued value and
// no final line break. Group commit must keep every byte of it.
const foreignConf = "# Neo4j configuration\n" +
	"server.default_listen_address=0.0.0.0\r\n" +
	"\n" +
	"# a comment an operator keeps\n" +
	"server.jvm.additional=-XX:+UseG1GC \\\n" +
	"  -XX:+AlwaysPreTouch\n" +
	"dbms.security.auth_enabled=true"

// Env of the child processes TestConfStoreGroupCommitAcrossProcesses and
// TestConfStoreGroupCommitCrash start from this test binary.
const (
	batchChildEnv  = "DBTLS_DEPLOY_BATCH_CHILD"  // the file to edit
	batchPrefixEnv = "DBTLS_DEPLOY_BATCH_PREFIX" // the ids' prefix
	crashChildEnv  = "DBTLS_DEPLOY_CRASH_CHILD"  // the file the crash child rewrites
)

const editorsPerProcess = 200

// setBlockEdit is the edit the provider makes for a resource: its own managed block.
func setBlockEdit(id string) func(*neo4j.Conf) ([]byte, error) {
	return func(c *neo4j.Conf) ([]byte, error) {
		return c.SetBlock(id, []string{"dbms.ssl.policy." + strings.ReplaceAll(id, " ", "_") + ".enabled=true"})
	}
}

// editMany runs n concurrent edits, each adding the block "<prefix> <i>", and returns their errors.
func editMany(c *ConfStore, h host.Host, file, prefix string, n int) []error {
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := fmt.Sprintf("%s %d", prefix, i)
			errs[i] = c.Edit(context.Background(), h, file, "editor "+id, setBlockEdit(id))
		}()
	}
	wg.Wait()
	return errs
}

// TestConfStoreGroupCommitChild is not a test: TestConfStoreGroupCommitAcrossProcesses runs it as
// another provider process editing the same file.
func TestConfStoreGroupCommitChild(t *testing.T) {
	file := os.Getenv(batchChildEnv)
	if file == "" {
		t.Skip("child process of TestConfStoreGroupCommitAcrossProcesses")
	}
	for _, err := range editMany(NewConfStore(), host.NewLocal(), file, os.Getenv(batchPrefixEnv), editorsPerProcess) {
		if err != nil {
			t.Error(err)
		}
	}
}

// 200 goroutines of this process and 200 of each of two other processes add their own block to one
// file at once (this process through the host under test, the others locally: both take the same
// flock). Every block ends up in the file exactly once, the foreign bytes stay exact, and this
// process wrote fewer times than it edited.
func TestConfStoreGroupCommitAcrossProcesses(t *testing.T) {
	if os.Getenv(batchChildEnv) != "" {
		t.Skip("runs as the child of itself")
	}
	forEachHost(t, func(t *testing.T, h host.Host) {
		file := filepath.Join(t.TempDir(), "neo4j.conf")
		writeFile(t, file, foreignConf, 0o640)
		prefixes := []string{"child one", "child two"}
		var children []*exec.Cmd
		var outs []*bytes.Buffer
		for _, p := range prefixes {
			cmd := exec.Command(os.Args[0], "-test.run=^TestConfStoreGroupCommitChild$", "-test.count=1")
			cmd.Env = append(os.Environ(), batchChildEnv+"="+file, batchPrefixEnv+"="+p)
			out := &bytes.Buffer{}
			cmd.Stdout, cmd.Stderr = out, out
			must(t, cmd.Start())
			children = append(children, cmd)
			outs = append(outs, out)
		}
		log := &recorder{}
		c := NewConfStore()
		c.Log = log
		errs := editMany(c, h, file, "parent", editorsPerProcess)
		for i, cmd := range children {
			if err := cmd.Wait(); err != nil {
				t.Errorf("child %q: %v\n%s", prefixes[i], err, outs[i])
			}
		}
		for _, err := range errs {
			must(t, err)
		}

		got := readFile(t, file)
		if !strings.HasPrefix(got, foreignConf) {
			t.Fatalf("the foreign bytes changed:\n%s", got)
		}
		conf, err := neo4j.ParseConf([]byte(got))
		must(t, err)
		want := map[string]bool{}
		for _, p := range append([]string{"parent"}, prefixes...) {
			for i := range editorsPerProcess {
				want[fmt.Sprintf("%s %d", p, i)] = true
			}
		}
		seen := map[string]int{}
		for _, b := range conf.Blocks() {
			seen[b.ID]++
		}
		for id := range want {
			if seen[id] != 1 {
				t.Errorf("block %q present %d times", id, seen[id])
			}
		}
		if len(seen) != len(want) {
			t.Errorf("%d distinct blocks, want %d", len(seen), len(want))
		}
		// Without its blocks, the file is the operator's, byte for byte.
		out := []byte(got)
		for id := range want {
			c, err := neo4j.ParseConf(out)
			must(t, err)
			out = c.RemoveBlock(id)
		}
		if string(out) != foreignConf {
			t.Fatalf("without the managed blocks the file is\n%q\nwant\n%q", out, foreignConf)
		}
		writes := 0
		for _, l := range log.all() {
			if strings.HasPrefix(l, "neo4j.conf written ") {
				writes++
			}
		}
		t.Logf("%s: %d edits of this process took %d writes", h.ID(), editorsPerProcess, writes)
		if writes >= editorsPerProcess {
			t.Errorf("%d edits took %d writes: nothing was committed as a group", editorsPerProcess, writes)
		}
	})
}

// failingWrite is a host whose next WriteFile fails once armed.
type failingWrite struct {
	host.Host
	armed atomic.Bool
}

var errInjected = errors.New("injected write error")

func (f *failingWrite) WriteFile(ctx context.Context, path string, data []byte, mode fs.FileMode, owner host.Owner) error {
	if f.armed.CompareAndSwap(true, false) {
		return errInjected
	}
	return f.Host.WriteFile(ctx, path, data, mode, owner)
}

// batchGate holds a store's batching at its hooks, so a test decides what each batch holds. Every
// queued edit is counted; the first batch waits before its lock until released, and after it was
// taken until released again.
type batchGate struct {
	queued       chan struct{}
	lockRelease  chan struct{}
	taken        chan int
	takenRelease chan struct{}
	batches      atomic.Int32
}

func newBatchGate(c *ConfStore) *batchGate {
	g := &batchGate{
		queued:       make(chan struct{}, 1000),
		lockRelease:  make(chan struct{}),
		taken:        make(chan int, 1),
		takenRelease: make(chan struct{}),
	}
	c.hooks = &confHooks{
		queued: func(int) { g.queued <- struct{}{} },
		beforeLock: func() {
			if g.batches.Load() == 0 {
				<-g.lockRelease
			}
		},
		taken: func(n int) {
			if g.batches.Add(1) == 1 {
				g.taken <- n
				<-g.takenRelease
			}
		},
	}
	return g
}

// waitQueued waits until n more edits have joined the queue.
func (g *batchGate) waitQueued(n int) {
	for range n {
		<-g.queued
	}
}

// A batch of edits whose write fails: the write error reaches exactly its edits (not the one that
// failed on its own, not the one withdrawn before the batch, not the next batch's), nothing of the
// batch lands, and the next batch, queued while the first one was at work, commits.
func TestConfStoreGroupCommitWriteErrorReachesItsBatchOnly(t *testing.T) {
	forEachHost(t, func(t *testing.T, h host.Host) {
		file := filepath.Join(t.TempDir(), "neo4j.conf")
		writeFile(t, file, foreignConf, 0o640)
		fh := &failingWrite{Host: h}
		c := NewConfStore()
		g := newBatchGate(c)

		type result struct {
			name string
			err  error
		}
		results := make(chan result, 16)
		edit := func(ctx context.Context, name string, fn func(*neo4j.Conf) ([]byte, error)) {
			go func() { results <- result{name, c.Edit(ctx, fh, file, name, fn)} }()
		}
		collect := func(n int) map[string]error {
			got := map[string]error{}
			for range n {
				r := <-results
				got[r.name] = r.err
			}
			return got
		}

		// The first batch: three blocks, an edit that fails on its own, and one whose caller gives
		// up while it waits.
		errOwn := errors.New("this edit refuses")
		cancelled, cancel := context.WithCancel(context.Background())
		for _, id := range []string{"first a", "first b", "first c"} {
			edit(context.Background(), id, setBlockEdit(id))
		}
		edit(context.Background(), "refusing", func(*neo4j.Conf) ([]byte, error) { return nil, errOwn })
		edit(cancelled, "withdrawn", setBlockEdit("withdrawn"))
		g.waitQueued(5)
		cancel()
		if r := <-results; r.name != "withdrawn" || !errors.Is(r.err, context.Canceled) {
			t.Fatalf("the withdrawn edit returned %q: %v, want context.Canceled", r.name, r.err)
		}
		fh.armed.Store(true)
		close(g.lockRelease)
		if n := <-g.taken; n != 4 {
			t.Fatalf("the first batch took %d edits, want 4", n)
		}
		// The second batch queues while the first holds the lock.
		for _, id := range []string{"second a", "second b"} {
			edit(context.Background(), id, setBlockEdit(id))
		}
		g.waitQueued(2)
		close(g.takenRelease)

		got := collect(6)
		for _, id := range []string{"first a", "first b", "first c"} {
			if !errors.Is(got[id], errInjected) {
				t.Errorf("%s: %v, want the injected write error", id, got[id])
			}
		}
		if !errors.Is(got["refusing"], errOwn) || errors.Is(got["refusing"], errInjected) {
			t.Errorf("refusing: %v, want its own error only", got["refusing"])
		}
		for _, id := range []string{"second a", "second b"} {
			if got[id] != nil {
				t.Errorf("%s, of the next batch: %v", id, got[id])
			}
		}
		content := readFile(t, file)
		conf, err := neo4j.ParseConf([]byte(content))
		must(t, err)
		var ids []string
		for _, b := range conf.Blocks() {
			ids = append(ids, b.ID)
		}
		if strings.Join(ids, ",") != "second a,second b" && strings.Join(ids, ",") != "second b,second a" {
			t.Errorf("blocks in the file: %q, want the second batch's only", ids)
		}
		if !strings.HasPrefix(content, foreignConf) {
			t.Errorf("the foreign bytes changed:\n%s", content)
		}
	})
}

// An edit whose result does not parse fails alone; the edits after it see the file without it.
func TestConfStoreGroupCommitUnparsableResultFailsAlone(t *testing.T) {
	file := filepath.Join(t.TempDir(), "neo4j.conf")
	writeFile(t, file, foreignConf, 0o640)
	c := NewConfStore()
	g := newBatchGate(c)
	h := host.NewLocal()
	errs := make(chan error, 3)
	go func() { errs <- c.Edit(context.Background(), h, file, "a", setBlockEdit("a")) }()
	g.waitQueued(1)
	go func() {
		errs <- c.Edit(context.Background(), h, file, "bad", func(conf *neo4j.Conf) ([]byte, error) {
			return append(conf.Bytes(), "\n"+neo4j.BeginMarker("open")+"\n"...), nil
		})
	}()
	g.waitQueued(1)
	go func() { errs <- c.Edit(context.Background(), h, file, "b", setBlockEdit("b")) }()
	g.waitQueued(1)
	close(g.lockRelease)
	if n := <-g.taken; n != 3 {
		t.Fatalf("batch of %d, want 3", n)
	}
	close(g.takenRelease)
	var failed int
	for range 3 {
		if err := <-errs; err != nil {
			var pe *neo4j.ParseError
			if !errors.As(err, &pe) {
				t.Errorf("unexpected error: %v", err)
			}
			failed++
		}
	}
	if failed != 1 {
		t.Fatalf("%d edits failed, want 1", failed)
	}
	got := readFile(t, file)
	if !strings.HasPrefix(got, foreignConf) || strings.Contains(got, "open") ||
		!strings.Contains(got, neo4j.BeginMarker("a")) || !strings.Contains(got, neo4j.BeginMarker("b")) {
		t.Fatalf("file after the batch:\n%s", got)
	}
}

// crashWriters is how many goroutines of the crash child edit at once; every batch holds all of them.
const crashWriters = 8

// announcing prints the SHA-256 of what it is about to write, before writing it, so that the
// process killing it knows the old and the new content of the write it may interrupt.
type announcing struct{ host.Host }

func (a announcing) WriteFile(ctx context.Context, path string, data []byte, mode fs.FileMode, owner host.Owner) error {
	sum := sha256.Sum256(data)
	fmt.Printf("write %s\n", hex.EncodeToString(sum[:]))
	return a.Host.WriteFile(ctx, path, data, mode, owner)
}

// TestConfStoreGroupCommitCrashChild is the writer TestConfStoreGroupCommitCrash kills: its
// goroutines rewrite their blocks as fast as they can, every batch holding each of them once.
func TestConfStoreGroupCommitCrashChild(t *testing.T) {
	file := os.Getenv(crashChildEnv)
	if file == "" {
		t.Skip("child process of TestConfStoreGroupCommitCrash")
	}
	c := NewConfStore()
	var mu sync.Mutex
	cond := sync.NewCond(&mu)
	queued, batches := 0, 0
	c.hooks = &confHooks{
		queued: func(int) {
			mu.Lock()
			queued++
			cond.Broadcast()
			mu.Unlock()
		},
		beforeLock: func() {
			mu.Lock()
			batches++
			for queued < batches*crashWriters {
				cond.Wait()
			}
			mu.Unlock()
		},
	}
	h := announcing{host.NewLocal()}
	var wg sync.WaitGroup
	for w := range crashWriters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := fmt.Sprintf("crash %d", w)
			for v := 1; ; v++ {
				line := fmt.Sprintf("crash.key.%d=%d pad=%s", w, v, strings.Repeat("x", 1+(v*(w+1))%4000))
				if err := c.Edit(context.Background(), h, file, "crash child", func(conf *neo4j.Conf) ([]byte, error) {
					return conf.SetBlock(id, []string{line})
				}); err != nil {
					fmt.Println("error:", err)
					os.Exit(2)
				}
			}
		}()
	}
	wg.Wait()
}

// A process committing batches of edits, killed with SIGKILL after a random number of writes: the
// file is either what was there before the write in progress or what that write wrote, never
// anything else; it parses and keeps its foreign bytes; the next edit converges and cleans up.
func TestConfStoreGroupCommitCrash(t *testing.T) {
	if os.Getenv(crashChildEnv) != "" {
		t.Skip("runs as the child of itself")
	}
	t.Parallel()
	file := filepath.Join(t.TempDir(), "neo4j.conf")
	writeFile(t, file, foreignConf, 0o640)
	h := host.NewLocal()
	c := NewConfStore()
	const kills = 16
	landed, temps := 0, 0
	for i := range kills {
		before := sha256.Sum256([]byte(readFile(t, file)))
		cmd := exec.Command(os.Args[0], "-test.run=^TestConfStoreGroupCommitCrashChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), crashChildEnv+"="+file)
		stdout, err := cmd.StdoutPipe()
		must(t, err)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		must(t, cmd.Start())
		lines := make(chan string, 4096)
		go func() {
			s := bufio.NewScanner(stdout)
			for s.Scan() {
				lines <- s.Text()
			}
			close(lines)
		}()
		// Kill soon after the child announced its k-th write.
		k := 1 + rand.IntN(20)
		announced := []string{hex.EncodeToString(before[:])}
		for len(announced) <= k {
			l, ok := <-lines
			if !ok {
				_ = cmd.Wait()
				t.Fatalf("kill %d: the child ended early (stderr: %s)", i, stderr.String())
			}
			if !strings.HasPrefix(l, "write ") {
				t.Fatalf("kill %d: the child said %q", i, l)
			}
			announced = append(announced, strings.TrimPrefix(l, "write "))
		}
		// A random moment within the next write or a few (its place, not the test's outcome).
		time.Sleep(time.Duration(rand.IntN(4000)) * time.Microsecond)
		must(t, cmd.Process.Kill())
		for l := range lines {
			if strings.HasPrefix(l, "write ") {
				announced = append(announced, strings.TrimPrefix(l, "write "))
			}
		}
		_ = cmd.Wait()

		b, err := os.ReadFile(file)
		must(t, err)
		sum := sha256.Sum256(b)
		n := len(announced)
		switch hex.EncodeToString(sum[:]) {
		case announced[n-1]:
			landed++
		case announced[n-2]:
		default:
			t.Fatalf("kill %d: the file is neither the last write's old nor its new content", i)
		}
		if names, _ := filepath.Glob(filepath.Join(filepath.Dir(file), ".neo4j.conf"+TempInfix+"*")); len(names) > 0 {
			temps++
		}
		conf, err := neo4j.ParseConf(b)
		if err != nil {
			t.Fatalf("kill %d: the file does not parse: %v", i, err)
		}
		out := b
		for _, blk := range conf.Blocks() {
			c, err := neo4j.ParseConf(out)
			must(t, err)
			out = c.RemoveBlock(blk.ID)
		}
		if string(out) != foreignConf {
			t.Fatalf("kill %d: the foreign bytes changed", i)
		}
		must(t, c.Edit(context.Background(), h, file, "converge", setBlockEdit("crash 0")))
		if names, _ := filepath.Glob(filepath.Join(filepath.Dir(file), ".neo4j.conf"+TempInfix+"*")); len(names) > 0 {
			t.Fatalf("kill %d: temp files left after the next edit: %v", i, names)
		}
	}
	t.Logf("of %d kills, %d came after the last announced write landed, %d before; %d left a temp file, each removed by the next edit", kills, landed, kills-landed, temps)
}

// An edit given up while its batch waits for a lock another writer holds returns its ctx's error at
// once and writes nothing; the wait ends with it, and the next edit, once the lock is free, commits.
func TestConfStoreGroupCommitWithdrawnDuringLockWait(t *testing.T) {
	forEachHost(t, func(t *testing.T, h host.Host) {
		file := filepath.Join(t.TempDir(), "neo4j.conf")
		writeFile(t, file, foreignConf, 0o640)
		lock, err := host.NewLocal().Lock(context.Background(), file, "another writer", time.Minute)
		must(t, err)
		c := NewConfStore()
		waiting := make(chan struct{})
		c.hooks = &confHooks{beforeLock: func() {
			select {
			case <-waiting:
			default:
				close(waiting)
			}
		}}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- c.Edit(ctx, h, file, "given up", setBlockEdit("given up")) }()
		<-waiting
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Fatalf("the edit given up returned %v, want context.Canceled", err)
		}
		must(t, lock.Unlock())
		must(t, c.Edit(context.Background(), h, file, "next", setBlockEdit("next")))
		got := readFile(t, file)
		if strings.Contains(got, "given up") || !strings.Contains(got, neo4j.BeginMarker("next")) || !strings.HasPrefix(got, foreignConf) {
			t.Fatalf("file:\n%s", got)
		}
	})
}

// More edits waiting than MaxBatch: the first batch takes MaxBatch of them, the rest form the next
// batch at once, and every edit lands.
func TestConfStoreGroupCommitBatchCap(t *testing.T) {
	file := filepath.Join(t.TempDir(), "neo4j.conf")
	writeFile(t, file, foreignConf, 0o640)
	c := NewConfStore()
	g := newBatchGate(c)
	var sizes []int
	var mu sync.Mutex
	taken := c.hooks.taken
	c.hooks.taken = func(n int) {
		mu.Lock()
		sizes = append(sizes, n)
		mu.Unlock()
		taken(n)
	}
	h := host.NewLocal()
	n := MaxBatch + MaxBatch/2
	errs := make(chan error, n)
	for i := range n {
		go func() {
			id := fmt.Sprintf("capped %d", i)
			errs <- c.Edit(context.Background(), h, file, id, setBlockEdit(id))
		}()
	}
	g.waitQueued(n)
	close(g.lockRelease)
	if got := <-g.taken; got != MaxBatch {
		t.Fatalf("first batch of %d edits, want MaxBatch = %d", got, MaxBatch)
	}
	close(g.takenRelease)
	for range n {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(sizes) != 2 || sizes[1] != n-MaxBatch {
		t.Errorf("batches %v, want [%d %d]", sizes, MaxBatch, n-MaxBatch)
	}
	got := readFile(t, file)
	for i := range n {
		if strings.Count(got, neo4j.BeginMarker(fmt.Sprintf("capped %d", i))+"\n") != 1 {
			t.Fatalf("block %d is not in the file exactly once:\n%s", i, got)
		}
	}
	if !strings.HasPrefix(got, foreignConf) {
		t.Errorf("the foreign bytes changed")
	}
}
