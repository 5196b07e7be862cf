//go:build linux

package deploy

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dbtls/terraform-provider-dbtls/internal/host"
)

func TestFileSetWriteObserveRemove(t *testing.T) {
	forEachHost(t, func(t *testing.T, h host.Host) {
		dir := t.TempDir()
		ctx := context.Background()
		key, crt := filepath.Join(dir, "private.key"), filepath.Join(dir, "public.crt")
		secret := []byte("-----BEGIN PRIVATE KEY-----\nc2VjcmV0IGtleSBieXRlcw==\n-----END PRIVATE KEY-----\n")
		log := &recorder{}
		set := FileSet{Host: h, Log: log, Files: []File{
			{Path: key, Data: secret, Mode: 0o400},
			{Path: crt, Data: []byte("certificate\n"), Mode: 0o644},
		}}
		writeFile(t, crt, "old certificate\n", 0o600) // there before: reported as existing
		existed, err := set.Write(ctx, host.Owner{}, -1, -1, nil)
		must(t, err)
		if existed[0] || !existed[1] {
			t.Fatalf("existed %v", existed)
		}
		if got := readFile(t, crt); got != "certificate\n" {
			t.Fatalf("certificate %q", got)
		}
		for p, mode := range map[string]os.FileMode{key: 0o400, crt: 0o644} {
			if fi, _ := os.Stat(p); fi.Mode().Perm() != mode {
				t.Fatalf("%s mode %v, want %v", p, fi.Mode().Perm(), mode)
			}
		}
		// A file without data must exist; its mode is repaired without reading it.
		must(t, os.Chmod(key, 0o644))
		repair := FileSet{Host: h, Files: []File{{Path: key, Mode: 0o400}}}
		_, err = repair.Write(ctx, host.Owner{}, -1, -1, nil)
		must(t, err)
		if fi, _ := os.Stat(key); fi.Mode().Perm() != 0o400 {
			t.Fatalf("mode not repaired: %v", fi.Mode().Perm())
		}
		// Observe hands the content to sum and keeps nothing.
		var seen [][]byte
		obs := Observe(ctx, h, []string{key, crt, filepath.Join(dir, "missing")}, func(_ string, data []byte) string {
			seen = append(seen, data)
			return "sum" + string(rune('0'+len(data)%10))
		})
		if len(obs) != 3 || obs[0].Sum == "" || obs[2].Info.Exists || obs[2].Err != nil {
			t.Fatalf("observed %+v", obs)
		}
		for _, d := range seen {
			if bytes.Contains(d, []byte("c2VjcmV0")) {
				t.Fatal("Observe left key bytes in the buffer it handed out")
			}
		}
		// Foreign: the certificate holds what the set writes, the key does not.
		other := FileSet{Host: h, Files: []File{{Path: key, Data: []byte("another key")}, {Path: crt, Data: []byte("certificate\n")}}}
		ff := other.Foreign(ctx, func(i int, data []byte, err error) bool { return err == nil && bytes.Equal(data, other.Files[i].Data) })
		if len(ff) != 1 || ff[0].Index != 0 || !ff[0].Info.Exists {
			t.Fatalf("Foreign %+v", ff)
		}
		// Remove: files go, a directory in their place stays.
		sub := filepath.Join(dir, "sub")
		must(t, os.Mkdir(sub, 0o755))
		res := Remove(ctx, h, log, []string{key, crt, sub, filepath.Join(dir, "missing")})
		for _, r := range res {
			want := error(nil)
			if r.Path == sub {
				want = ErrLeftDirectory
			}
			if !errors.Is(r.Err, want) {
				t.Fatalf("Remove %s: %v", r.Path, r.Err)
			}
		}
		for _, p := range []string{key, crt} {
			if _, err := os.Lstat(p); !os.IsNotExist(err) {
				t.Fatalf("%s stayed", p)
			}
		}
		lines := strings.Join(log.all(), "\n")
		if !strings.Contains(lines, "file set written") || !strings.Contains(lines, "bytes:") || !strings.Contains(lines, "files removed") {
			t.Fatalf("log:\n%s", lines)
		}
		if strings.Contains(lines, "c2VjcmV0") || strings.Contains(lines, "certificate\n") {
			t.Fatalf("log carries file content:\n%s", lines)
		}
	})
}

func TestFileSetWriteFailureRestoresEverything(t *testing.T) {
	forEachHost(t, func(t *testing.T, h host.Host) {
		dir := t.TempDir()
		ctx := context.Background()
		a := filepath.Join(dir, "a")
		writeFile(t, a, "old a\n", 0o640)
		// b's parent is missing, so its write fails after a was replaced.
		set := FileSet{Host: h, Files: []File{
			{Path: a, Data: []byte("new a\n"), Mode: 0o644},
			{Path: filepath.Join(dir, "new"), Data: []byte("new\n"), Mode: 0o644},
			{Path: filepath.Join(dir, "nodir", "b"), Data: []byte("b\n"), Mode: 0o644},
		}}
		_, err := set.Write(ctx, host.Owner{}, -1, -1, nil)
		var we *WriteError
		if !errors.As(err, &we) {
			t.Fatalf("err %v, want a *WriteError", err)
		}
		if got := readFile(t, a); got != "old a\n" {
			t.Fatalf("a not restored: %q", got)
		}
		if fi, _ := os.Stat(a); fi.Mode().Perm() != 0o640 {
			t.Fatalf("a's mode not restored: %v", fi.Mode().Perm())
		}
		if _, err := os.Lstat(filepath.Join(dir, "new")); !os.IsNotExist(err) {
			t.Fatal("a file created before the failure stayed")
		}
		// A file without data that is missing fails the same way.
		_, err = FileSet{Host: h, Files: []File{{Path: filepath.Join(dir, "absent.key"), Mode: 0o400}}}.Write(ctx, host.Owner{}, -1, -1, nil)
		if !errors.As(err, &we) || !errors.Is(err, host.ErrNotExist) {
			t.Fatalf("missing key: %v", err)
		}
	})
}

func TestFileSetRefusesSymlinkBeforeWriting(t *testing.T) {
	forEachHost(t, func(t *testing.T, h host.Host) {
		dir := t.TempDir()
		ctx := context.Background()
		target := filepath.Join(dir, "elsewhere")
		writeFile(t, target, "untouched\n", 0o644)
		link := filepath.Join(dir, "public.crt")
		must(t, os.Symlink(target, link))
		first := filepath.Join(dir, "first")
		_, err := FileSet{Host: h, Files: []File{
			{Path: first, Data: []byte("x"), Mode: 0o644},
			{Path: link, Data: []byte("y"), Mode: 0o644},
		}}.Write(ctx, host.Owner{}, -1, -1, nil)
		var re *ReadError
		if !errors.As(err, &re) || !errors.Is(err, host.ErrSymlink) {
			t.Fatalf("err %v, want a *ReadError wrapping ErrSymlink", err)
		}
		if _, err := os.Lstat(first); !os.IsNotExist(err) {
			t.Fatal("a file was written before the refusal")
		}
		if got := readFile(t, target); got != "untouched\n" {
			t.Fatalf("the symlink's target changed: %q", got)
		}
	})
}

func TestFileSetRemovesStaleTemps(t *testing.T) {
	forEachHost(t, func(t *testing.T, h host.Host) {
		dir := t.TempDir()
		key := filepath.Join(dir, "private.key")
		tmp := filepath.Join(dir, ".private.key"+TempInfix+"0011")
		writeFile(t, tmp, "a full copy of a key", 0o400)
		_, err := FileSet{Host: h, Files: []File{{Path: key, Data: []byte("k"), Mode: 0o400}}}.Write(context.Background(), host.Owner{}, -1, -1, nil)
		must(t, err)
		if _, err := os.Lstat(tmp); !os.IsNotExist(err) {
			t.Fatal("a stale temp file stayed")
		}
	})
}
