//go:build linux

package deploy

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/dbtls/terraform-provider-dbtls/internal/host"
	"github.com/dbtls/terraform-provider-dbtls/internal/neo4j"
)

// policyLines is a block about the size of a rendered SSL policy's (13 settings, ~770 bytes).
func policyLines(id string) []string {
	lines := make([]string, 13)
	for i := range lines {
		lines[i] = fmt.Sprintf("dbms.ssl.policy.%s.setting_%02d=/var/lib/neo4j/certificates/%s/%s", id, i, id, strings.Repeat("v", 8))
	}
	return lines
}

// BenchmarkConfStoreConcurrentEdits: N goroutines each add their own policy-sized block to one
// neo4j.conf on the local host at once, as an apply of N resources does (Terraform runs at most
// -parallelism of them at a time; here all N at once, the worst case). ns/edit is the wall time per
// edit, cpu-ns/edit the process's CPU time (user and system) per edit, writes/op how many times the
// file was written.
func BenchmarkConfStoreConcurrentEdits(b *testing.B) {
	for _, n := range []int{30, 300, 1000} {
		b.Run(fmt.Sprintf("N=%d", n), func(b *testing.B) {
			h := host.NewLocal()
			dir := b.TempDir()
			var total, cpu time.Duration
			writes := 0
			for it := 0; it < b.N; it++ {
				file := filepath.Join(dir, fmt.Sprintf("neo4j-%d.conf", it))
				if err := os.WriteFile(file, []byte(foreignConf), 0o640); err != nil {
					b.Fatal(err)
				}
				log := &recorder{}
				c := NewConfStore()
				c.Log = log
				start, cpu0 := time.Now(), cpuTime()
				var wg sync.WaitGroup
				errs := make(chan error, n)
				for i := range n {
					wg.Add(1)
					go func() {
						defer wg.Done()
						id := fmt.Sprintf("policy%d", i)
						lines := policyLines(id)
						if err := c.Edit(context.Background(), h, file, "bench", func(conf *neo4j.Conf) ([]byte, error) {
							return conf.SetBlock(id, lines)
						}); err != nil {
							errs <- err
						}
					}()
				}
				wg.Wait()
				total += time.Since(start)
				cpu += cpuTime() - cpu0
				close(errs)
				for err := range errs {
					b.Fatal(err)
				}
				for _, l := range log.all() {
					if strings.HasPrefix(l, "neo4j.conf written ") {
						writes++
					}
				}
			}
			b.ReportMetric(float64(total.Nanoseconds())/float64(b.N*n), "ns/edit")
			b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N*n), "cpu-ns/edit")
			b.ReportMetric(float64(writes)/float64(b.N), "writes/op")
		})
	}
}

// cpuTime is the CPU time (user and system) this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkConfStoreSequentialApply: N policies applied one after the other to one neo4j.conf on the
// local host, as Terraform does when their applies do not overlap: for each, the plan's checks on the
// cached file (Load, Conflicts, SetBlock), then the edit (Edit: lock, read, Conflicts, SetBlock, write).
// cpu-ns/edit is the process's CPU time per policy: flat as N grows when an edit costs what it
// changes (plus copying the file), growing with N when each edit re-reads the whole file.
func BenchmarkConfStoreSequentialApply(b *testing.B) {
	for _, n := range []int{30, 300, 1000} {
		b.Run(fmt.Sprintf("N=%d", n), func(b *testing.B) {
			h := host.NewLocal()
			dir := b.TempDir()
			ctx := context.Background()
			var cpu time.Duration
			for it := 0; it < b.N; it++ {
				file := filepath.Join(dir, fmt.Sprintf("neo4j-%d.conf", it))
				if err := os.WriteFile(file, []byte(foreignConf), 0o640); err != nil {
					b.Fatal(err)
				}
				c := NewConfStore()
				cpu0 := cpuTime()
				for i := range n {
					id := fmt.Sprintf("policy%d", i)
					lines := policyLines(id)
					keys := make([]string, len(lines))
					for j, l := range lines {
						keys[j], _, _ = strings.Cut(l, "=")
					}
					conf, _, err := c.Load(ctx, h, file)
					if err != nil {
						b.Fatal(err)
					}
					if len(conf.Conflicts(id, keys)) != 0 {
						b.Fatal("conflict")
					}
					if _, err := conf.SetBlock(id, lines); err != nil {
						b.Fatal(err)
					}
					if err := c.Edit(ctx, h, file, "bench", func(conf *neo4j.Conf) ([]byte, error) {
						if len(conf.Conflicts(id, keys)) != 0 {
							return nil, fmt.Errorf("conflict")
						}
						return conf.SetBlock(id, lines)
					}); err != nil {
						b.Fatal(err)
					}
				}
				cpu += cpuTime() - cpu0
			}
			b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N*n), "cpu-ns/edit")
		})
	}
}
