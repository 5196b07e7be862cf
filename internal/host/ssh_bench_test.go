//go:build linux

package host

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/dbtls/terraform-provider-dbtls/internal/testenv"
)

func BenchmarkSSHDial(b *testing.B) {
	s := testenv.SharedSSHD(b)
	cfg := rootSSHConfig(s, s.Port())
	for b.Loop() {
		h, err := DialSSH(context.Background(), cfg)
		if err != nil {
			b.Fatal(err)
		}
		h.Close()
	}
}

func BenchmarkSSHLstat(b *testing.B) {
	ctx := context.Background()
	s := testenv.SharedSSHD(b)
	h, err := DialSSH(ctx, rootSSHConfig(s, s.Port()))
	if err != nil {
		b.Fatal(err)
	}
	defer h.Close()
	p := filepath.Join(b.TempDir(), "neo4j.conf")
	writeRaw(b, p, "x", 0o644)
	for b.Loop() {
		if _, err := h.Lstat(ctx, p); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSSHWriteFile(b *testing.B) {
	ctx := context.Background()
	s := testenv.SharedSSHD(b)
	h, err := DialSSH(ctx, rootSSHConfig(s, s.Port()))
	if err != nil {
		b.Fatal(err)
	}
	defer h.Close()
	p := filepath.Join(b.TempDir(), "public.crt")
	data := bytes.Repeat([]byte("x"), 1024)
	for b.Loop() {
		if err := h.WriteFile(ctx, p, data, 0o644, Owner{User: "root", Group: "root"}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSSHLock(b *testing.B) {
	ctx := context.Background()
	s := testenv.SharedSSHD(b)
	h, err := DialSSH(ctx, rootSSHConfig(s, s.Port()))
	if err != nil {
		b.Fatal(err)
	}
	defer h.Close()
	p := filepath.Join(b.TempDir(), "neo4j.conf")
	for b.Loop() {
		u, err := h.Lock(ctx, p, "bench", 0)
		if err != nil {
			b.Fatal(err)
		}
		if err := u.Unlock(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLockedWrite is the core of an apply on a shared file: lock, replace the file, unlock;
// over SSH and locally, for comparison.
func BenchmarkLockedWrite(b *testing.B) {
	ctx := context.Background()
	s := testenv.SharedSSHD(b)
	h, err := DialSSH(ctx, rootSSHConfig(s, s.Port()))
	if err != nil {
		b.Fatal(err)
	}
	defer h.Close()
	for name, host := range map[string]Host{"ssh": h, "local": NewLocal()} {
		b.Run(name, func(b *testing.B) {
			p := filepath.Join(b.TempDir(), "neo4j.conf")
			writeRaw(b, p, "x", 0o644)
			data := bytes.Repeat([]byte("x"), 4096)
			for b.Loop() {
				u, err := host.Lock(ctx, p, "bench", time.Minute)
				if err != nil {
					b.Fatal(err)
				}
				if err := host.WriteFile(ctx, p, data, 0o644, Owner{User: "root", Group: "root"}); err != nil {
					b.Fatal(err)
				}
				if err := u.Unlock(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
