//go:build linux

package host

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// batchFixture makes one path of every kind a batch meets and returns the paths with the content
// of the regular files.
func batchFixture(t *testing.T) ([]string, map[string][]byte) {
	t.Helper()
	dir := t.TempDir()
	content := map[string][]byte{}
	large := make([]byte, 300<<10+17) // many SFTP read packets, not a multiple of their size
	if _, err := rand.Read(large); err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{
		"neo4j.conf":  []byte("dbms.ssl.policy.bolt.enabled=true\n"),
		"empty":       {},
		"large.bin":   large,
		"exact32k":    bytes.Repeat([]byte("x"), 32<<10),
		"public.crt":  []byte("-----BEGIN CERTIFICATE-----\n"),
		"private.key": []byte("k"),
	}
	for name, data := range files {
		p := filepath.Join(dir, name)
		writeRaw(t, p, string(data), 0o640)
		content[p] = data
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(filepath.Join(dir, "neo4j.conf"), link); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo")
	if err := unix.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o750); err != nil {
		t.Fatal(err)
	}
	paths := []string{link, fifo, sub, filepath.Join(dir, "missing"), filepath.Join(dir, "no", "parent"), "relative/path"}
	for p := range content {
		paths = append(paths, p)
	}
	return paths, content
}

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

// TestHostBatchReads: LstatAll, ReadFiles and ReadFileInfo answer, path by path, exactly what Lstat
// and ReadFile answer, on every host (the SSH host sends the requests together; the local host
// falls back to one call per path).
func TestHostBatchReads(t *testing.T) {
	t.Parallel()
	forEachHost(t, func(t *testing.T, im hostImpl, h Host) {
		ctx := context.Background()
		if _, ok := h.(BatchHost); ok != (im.name == "ssh") {
			t.Errorf("%s: BatchHost implemented = %v", im.name, ok)
		}
		paths, content := batchFixture(t)
		infos, lerrs := LstatAll(ctx, h, paths)
		data, rerrs := ReadFiles(ctx, h, paths)
		binfos, blerrs, bdata, brerrs := ReadFileInfos(ctx, h, paths)
		if len(binfos) != len(paths) || len(blerrs) != len(paths) || len(bdata) != len(paths) || len(brerrs) != len(paths) {
			t.Fatalf("ReadFileInfos of %d paths: %d infos, %d errors, %d contents, %d errors", len(paths), len(binfos), len(blerrs), len(bdata), len(brerrs))
		}
		if len(infos) != len(paths) || len(lerrs) != len(paths) || len(data) != len(paths) || len(rerrs) != len(paths) {
			t.Fatalf("answers for %d paths: %d infos, %d errors, %d contents, %d errors", len(paths), len(infos), len(lerrs), len(data), len(rerrs))
		}
		for i, p := range paths {
			wantInfo, wantLerr := h.Lstat(ctx, p)
			if infos[i] != wantInfo || errString(lerrs[i]) != errString(wantLerr) {
				t.Errorf("LstatAll[%s] = %+v, %v\nLstat      = %+v, %v", p, infos[i], lerrs[i], wantInfo, wantLerr)
			}
			wantData, wantRerr := h.ReadFile(ctx, p)
			if !bytes.Equal(data[i], wantData) || (data[i] == nil) != (wantData == nil) || errString(rerrs[i]) != errString(wantRerr) {
				t.Errorf("ReadFiles[%s] = %d bytes, %v; ReadFile = %d bytes, %v", p, len(data[i]), rerrs[i], len(wantData), wantRerr)
			}
			if want, ok := content[p]; ok && !bytes.Equal(data[i], want) {
				t.Errorf("ReadFiles[%s] = %d bytes, want the %d written", p, len(data[i]), len(want))
			}
			checkLstatRead(t, "ReadFileInfos", p, binfos[i], blerrs[i], bdata[i], brerrs[i], wantInfo, wantLerr, wantData, wantRerr)
			info, got, err := ReadFileInfo(ctx, h, p)
			if info != wantInfo && wantLerr == nil {
				t.Errorf("ReadFileInfo(%s) info = %+v\nLstat                  = %+v", p, info, wantInfo)
			}
			if !bytes.Equal(got, wantData) || (got == nil) != (wantData == nil) || errString(err) != errString(wantRerr) {
				t.Errorf("ReadFileInfo(%s) = %d bytes, %v; ReadFile = %d bytes, %v", p, len(got), err, len(wantData), wantRerr)
			}
		}
	})
}

// checkLstatRead compares one answer of ReadFileInfos with what Lstat and ReadFile answered for the
// path: the lstat's answer always, the read's only for what is neither a symlink nor a directory.
func checkLstatRead(t *testing.T, what, p string, info Info, lerr error, data []byte, rerr error, wantInfo Info, wantLerr error, wantData []byte, wantRerr error) {
	t.Helper()
	if info != wantInfo || errString(lerr) != errString(wantLerr) {
		t.Errorf("%s[%s] lstat = %+v, %v\nLstat = %+v, %v", what, p, info, lerr, wantInfo, wantLerr)
	}
	if wantLerr != nil || !wantInfo.Exists || wantInfo.IsSymlink || wantInfo.IsDir {
		wantData, wantRerr = nil, nil // not read: never followed, never opened
	}
	if !bytes.Equal(data, wantData) || (data == nil) != (wantData == nil) || errString(rerr) != errString(wantRerr) {
		t.Errorf("%s[%s] read = %d bytes, %v; want %d bytes, %v", what, p, len(data), rerr, len(wantData), wantRerr)
	}
}

// TestHostReadFileInfosMixedBatch: in one batch, a FIFO is refused without being opened (the batch
// would hang on it otherwise), a symlink is reported and not followed, a directory is not read,
// and a path that fails (relative, or below a regular file) or is missing does not keep the
// regular files beside it from being read.
func TestHostReadFileInfosMixedBatch(t *testing.T) {
	t.Parallel()
	forEachHost(t, func(t *testing.T, _ hostImpl, h Host) {
		ctx := context.Background()
		fixture, content := batchFixture(t)
		link, fifo, sub, missing, noParent, relative := fixture[0], fixture[1], fixture[2], fixture[3], fixture[4], fixture[5]
		conf := filepath.Join(filepath.Dir(link), "neo4j.conf")
		below := filepath.Join(conf, "below")
		paths := []string{relative, fifo, conf, link, below, sub, missing, noParent, filepath.Join(filepath.Dir(link), "private.key")}
		infos, lerrs, data, rerrs := ReadFileInfos(ctx, h, paths)
		if lerrs[0] == nil || data[0] != nil || rerrs[0] != nil {
			t.Errorf("relative path: %v, %q, %v; want an lstat error and nothing read", lerrs[0], data[0], rerrs[0])
		}
		if !infos[1].Exists || lerrs[1] != nil || !errors.Is(rerrs[1], ErrNotRegular) || data[1] != nil {
			t.Errorf("FIFO: %+v, %v, %q, %v; want it found and refused as not regular", infos[1], lerrs[1], data[1], rerrs[1])
		}
		for _, i := range []int{2, 8} {
			if lerrs[i] != nil || rerrs[i] != nil || !bytes.Equal(data[i], content[paths[i]]) || infos[i].Size != int64(len(content[paths[i]])) {
				t.Errorf("%s: %+v, %v, %q, %v; want its content", paths[i], infos[i], lerrs[i], data[i], rerrs[i])
			}
		}
		if !infos[3].IsSymlink || lerrs[3] != nil || data[3] != nil || rerrs[3] != nil {
			t.Errorf("symlink: %+v, %v, %q, %v; want it reported and not followed", infos[3], lerrs[3], data[3], rerrs[3])
		}
		if !infos[5].IsDir || lerrs[5] != nil || data[5] != nil || rerrs[5] != nil {
			t.Errorf("directory: %+v, %v, %q, %v; want it reported and not read", infos[5], lerrs[5], data[5], rerrs[5])
		}
		for _, i := range []int{4, 6, 7} {
			if infos[i].Exists || lerrs[i] != nil || data[i] != nil || rerrs[i] != nil {
				t.Errorf("%s: %+v, %v, %q, %v; want it missing", paths[i], infos[i], lerrs[i], data[i], rerrs[i])
			}
		}
	})
}

// TestHostReadFileInfoRefusals: the kinds ReadFile refuses are refused by ReadFileInfo with the same
// error, while its Info says what is there.
func TestHostReadFileInfoRefusals(t *testing.T) {
	t.Parallel()
	forEachHost(t, func(t *testing.T, _ hostImpl, h Host) {
		ctx := context.Background()
		paths, _ := batchFixture(t)
		link, fifo, sub, missing := paths[0], paths[1], paths[2], paths[3]
		for _, tc := range []struct {
			p    string
			want error
			ok   func(Info) bool
		}{
			{link, ErrSymlink, func(i Info) bool { return i.Exists && i.IsSymlink }},
			{fifo, ErrNotRegular, func(i Info) bool { return i.Exists && !i.IsDir && !i.IsSymlink }},
			{sub, ErrIsDir, func(i Info) bool { return i.Exists && i.IsDir && i.Mode == 0o750 }},
			{missing, fs.ErrNotExist, func(i Info) bool { return !i.Exists && i.Path == missing }},
		} {
			info, data, err := ReadFileInfo(ctx, h, tc.p)
			assertPathErr(t, err, tc.want, "read", tc.p)
			if data != nil || !tc.ok(info) {
				t.Errorf("ReadFileInfo(%s) = %+v, %q", tc.p, info, data)
			}
		}
	})
}

// TestSSHReadRegularSizeChanged: a file that grew or shrank between the lstat and the read is read
// as it is when read, not as long as the lstat said.
func TestSSHReadRegularSizeChanged(t *testing.T) {
	t.Parallel()
	h := sharedSSHHost(t)
	c, err := h.conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, size := range []int{0, 1, 10, 32 << 10, 100<<10 + 3} {
		data := make([]byte, size)
		if _, err := rand.Read(data); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, fmt.Sprint(size))
		writeRaw(t, p, string(data), 0o600)
		for _, said := range []int64{0, 1, int64(size) / 2, int64(size), int64(size) + 1, int64(size) + 70<<10} {
			got, err := c.readRegular(p, said)
			if err != nil || !bytes.Equal(got, data) {
				t.Errorf("readRegular of %d bytes, expecting %d: %d bytes, %v", size, said, len(got), err)
			}
		}
	}
	if _, err := c.readRegular(filepath.Join(dir, "missing"), 5); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("readRegular(missing) = %v", err)
	}
}

// TestSSHReadFileRequests counts what a read sends: an lstat, the open, the fstat, one read per 32
// KiB packet, the read that finds the end, and the close (sent after ReadFile returns).
func TestSSHReadFileRequests(t *testing.T) {
	t.Parallel()
	h := privateSSHHost(t)
	ctx := context.Background()
	dir := t.TempDir()
	small, large := filepath.Join(dir, "neo4j.conf"), filepath.Join(dir, "large")
	writeRaw(t, small, "dbms.ssl.policy.bolt.enabled=true\n", 0o644)
	writeRaw(t, large, string(bytes.Repeat([]byte("y"), 100<<10)), 0o644) // 4 packets of 32 KiB
	if _, err := h.Lstat(ctx, small); err != nil {                        // connection and owner names out of the way
		t.Fatal(err)
	}
	c := connOf(t, h)
	w := c.s.writer
	c.closing.Wait() // the closes of the reads so far (the owner name files)
	c.s.probing.Wait()
	for _, tc := range []struct {
		p    string
		read func() error
		want int64
	}{
		{small, func() error { _, err := h.ReadFile(ctx, small); return err }, 6},
		{large, func() error { _, err := h.ReadFile(ctx, large); return err }, 9},
		{small, func() error { _, _, err := ReadFileInfo(ctx, h, small); return err }, 6},
		// A batch sends what ReadFile sends per file, not an lstat more as LstatAll then ReadFiles do.
		{small, func() error {
			_, lerrs, _, rerrs := ReadFileInfos(ctx, h, []string{small, large})
			return errors.Join(errors.Join(lerrs...), errors.Join(rerrs...))
		}, 6 + 9},
	} {
		before := w.sent.Load()
		if err := tc.read(); err != nil {
			t.Fatal(err)
		}
		c.closing.Wait() // the close goes out after the read returns
		if got := w.sent.Load() - before; got != tc.want {
			t.Errorf("reading %s sent %d SFTP requests, want %d", tc.p, got, tc.want)
		}
	}
}

// TestBatchThroughBeneathAndLogged: the view the provider uses, Logged(Beneath(h, root)), still
// offers the batch (so the SSH host's requests go out together instead of one path at a time), it
// answers every path as the single calls through the same view do, a path through a symlink out of
// the root is answered as Lstat and ReadFile answer it while a write through it is still refused,
// and the log has one line per batch.
func TestBatchThroughBeneathAndLogged(t *testing.T) {
	t.Parallel()
	forEachHost(t, func(t *testing.T, im hostImpl, h Host) {
		ctx := context.Background()
		paths, content := batchFixture(t)
		root := filepath.Dir(paths[0])
		outside := t.TempDir()
		writeRaw(t, filepath.Join(outside, "secret"), "outside\n", 0o600)
		if err := os.Symlink(outside, filepath.Join(root, "escape")); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, filepath.Join(root, "escape"), filepath.Join(root, "escape", "secret"))
		log := &logLines{}
		v := Logged(Beneath(h, root), log)
		if _, ok := v.(BatchHost); !ok {
			t.Fatalf("%s: Logged(Beneath(h)) does not offer BatchHost", im.name)
		}
		if _, ok := Beneath(h, root).(BatchHost); ok != (im.name == "ssh") {
			t.Errorf("%s: Beneath(h) offers BatchHost = %v", im.name, ok)
		}
		infos, lerrs := LstatAll(ctx, v, paths)
		data, rerrs := ReadFiles(ctx, v, paths)
		lines := log.text()
		if n := strings.Count(lines, "host lstat batch"); n != 1 || !strings.Contains(lines, fmt.Sprintf("paths:%d", len(paths))) {
			t.Errorf("want one lstat batch line for %d paths:\n%s", len(paths), lines)
		}
		if n := strings.Count(lines, "host read file batch"); n != 1 || strings.Count(lines, "\n") != 1 {
			t.Errorf("want one read batch line and nothing per path:\n%s", lines)
		}
		if strings.Contains(lines, "outside") || strings.Contains(lines, "dbms.ssl") {
			t.Errorf("the log carries file content:\n%s", lines)
		}
		for i, p := range paths {
			wantInfo, wantLerr := v.Lstat(ctx, p)
			if infos[i] != wantInfo || errString(lerrs[i]) != errString(wantLerr) {
				t.Errorf("LstatAll[%s] = %+v, %v\nLstat      = %+v, %v", p, infos[i], lerrs[i], wantInfo, wantLerr)
			}
			wantData, wantRerr := v.ReadFile(ctx, p)
			if !bytes.Equal(data[i], wantData) || (data[i] == nil) != (wantData == nil) || errString(rerrs[i]) != errString(wantRerr) {
				t.Errorf("ReadFiles[%s] = %d bytes, %v; ReadFile = %d bytes, %v", p, len(data[i]), rerrs[i], len(wantData), wantRerr)
			}
			if want, ok := content[p]; ok && !bytes.Equal(data[i], want) {
				t.Errorf("ReadFiles[%s] = %d bytes, want the %d written", p, len(data[i]), len(want))
			}
			info, got, err := ReadFileInfo(ctx, v, p)
			if (info != wantInfo && wantLerr == nil) || !bytes.Equal(got, wantData) || errString(err) != errString(wantRerr) {
				t.Errorf("ReadFileInfo(%s) = %+v, %d bytes, %v; want %+v, %d bytes, %v", p, info, len(got), err, wantInfo, len(wantData), wantRerr)
			}
		}
		// The escape is a symlink to Lstat and a refusal to ReadFile, and still no way to write outside.
		if !infos[len(paths)-2].IsSymlink || !errors.Is(rerrs[len(paths)-2], ErrSymlink) {
			t.Errorf("escape link: %+v, %v", infos[len(paths)-2], rerrs[len(paths)-2])
		}
		err := v.WriteFile(ctx, filepath.Join(root, "escape", "planted"), []byte("x"), 0o600, Owner{})
		if be := (*BeneathError)(nil); !errors.As(err, &be) || !errors.Is(err, ErrSymlink) {
			t.Errorf("write through the escape = %v, want a *BeneathError wrapping ErrSymlink", err)
		}
		if _, err := os.Lstat(filepath.Join(outside, "planted")); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("the refused write left %s/planted: %v", outside, err)
		}
	})
}

// TestSSHBatchThroughViewRequests: through Logged(Beneath(h, root)) a batch sends exactly the
// requests of the single calls (one lstat per path; a read's requests per file), only together.
func TestSSHBatchThroughViewRequests(t *testing.T) {
	t.Parallel()
	h := privateSSHHost(t)
	ctx := context.Background()
	paths, content := batchFixture(t)
	root := filepath.Dir(paths[0])
	if _, err := h.Lstat(ctx, root); err != nil { // connection and owner names out of the way
		t.Fatal(err)
	}
	c := connOf(t, h)
	w := c.s.writer
	c.closing.Wait()
	c.s.probing.Wait()
	v := Logged(Beneath(h, root), &logLines{})
	count := func(f func()) int64 {
		before := w.sent.Load()
		f()
		c.closing.Wait()
		return w.sent.Load() - before
	}
	single := count(func() {
		for _, p := range paths {
			_, _ = v.Lstat(ctx, p)
		}
	})
	batch := count(func() { _, _ = LstatAll(ctx, v, paths) })
	absolute := int64(0) // a relative path is refused before anything is sent
	for _, p := range paths {
		if filepath.IsAbs(p) {
			absolute++
		}
	}
	if single != absolute || batch != single {
		t.Errorf("lstat of %d absolute paths: %d requests one by one, %d in a batch; want %d both ways", absolute, single, batch, absolute)
	}
	var files []string
	for p := range content {
		files = append(files, p)
	}
	single = count(func() {
		for _, p := range files {
			_, _ = v.ReadFile(ctx, p)
		}
	})
	batch = count(func() { _, _ = ReadFiles(ctx, v, files) })
	if batch != single || single < 6*int64(len(files)) {
		t.Errorf("reading %d files: %d requests one by one, %d in a batch", len(files), single, batch)
	}
}
