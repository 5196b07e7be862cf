//go:build linux

package deploy

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/dbtls/terraform-provider-dbtls/internal/host"
)

// TestBatchedChecksEqualOneByOne: CheckChain, DirTree.Foreign, DirTree.Record and FileSet.Foreign,
// which inspect their paths in one batch, answer what a walk of one Lstat (and ReadFile) per path
// answers, on both hosts, bare and through the provider's view: with a symlink, a file and a missing
// directory in a chain, directories of other modes, and files that are missing, a symlink, a FIFO
// (never opened), a directory, or hold other content.
func TestBatchedChecksEqualOneByOne(t *testing.T) {
	forEachHost(t, func(t *testing.T, h host.Host) {
		ctx := context.Background()
		home, outside := t.TempDir(), t.TempDir()
		certs := filepath.Join(home, "certificates")
		for _, d := range []string{"bolt/trusted", "https", "cluster"} {
			must(t, os.MkdirAll(filepath.Join(certs, d), 0o755))
		}
		must(t, os.Chmod(filepath.Join(certs, "https"), 0o700))
		must(t, os.Symlink(outside, filepath.Join(certs, "escape")))
		writeFile(t, filepath.Join(certs, "plain"), "not a directory\n", 0o644)
		writeFile(t, filepath.Join(certs, "bolt", "public.crt"), "ours\n", 0o644)
		writeFile(t, filepath.Join(certs, "bolt", "private.key"), "theirs\n", 0o600)
		must(t, os.Symlink(filepath.Join(certs, "bolt", "public.crt"), filepath.Join(certs, "bolt", "link.crt")))
		must(t, syscall.Mkfifo(filepath.Join(certs, "bolt", "fifo"), 0o600))

		dirs := []string{
			filepath.Join(certs, "bolt"), filepath.Join(certs, "bolt", "trusted"), filepath.Join(certs, "https"),
			filepath.Join(certs, "escape"), filepath.Join(certs, "plain"), filepath.Join(certs, "gone"),
		}
		chains := append(slices.Clone(dirs), filepath.Join(certs, "escape", "x", "y"), filepath.Join(certs, "plain", "sub"),
			filepath.Join(certs, "gone", "deeper"))
		files := []File{
			{Path: filepath.Join(certs, "bolt", "public.crt"), Data: []byte("ours\n")},
			{Path: filepath.Join(certs, "bolt", "private.key"), Data: []byte("ours\n")},
			{Path: filepath.Join(certs, "bolt", "link.crt"), Data: []byte("ours\n")},
			{Path: filepath.Join(certs, "bolt", "fifo"), Data: []byte("ours\n")},
			{Path: filepath.Join(certs, "bolt", "trusted"), Data: []byte("ours\n")},
			{Path: filepath.Join(certs, "bolt", "missing.crt"), Data: []byte("ours\n")},
		}
		for _, v := range []struct {
			name string
			h    host.Host
		}{{"bare", h}, {"view", host.Logged(host.Beneath(h, home), &recorder{})}} {
			for _, dir := range chains {
				if got, want := CheckChain(ctx, v.h, home, dir), checkChainOneByOne(ctx, v.h, home, dir); got != want {
					t.Errorf("%s: CheckChain(%s)\n got %q\nwant %q", v.name, dir, got, want)
				}
			}
			tree := DirTree{Host: v.h, Home: home, Dirs: dirs}
			skip := func(d string) bool { return strings.HasSuffix(d, "trusted") }
			got, want := tree.Foreign(ctx, 0o755, -1, -1, skip), foreignDirsOneByOne(ctx, v.h, dirs, 0o755, skip)
			if fmt.Sprint(got) != fmt.Sprint(want) || len(got) != 1 {
				t.Errorf("%s: DirTree.Foreign\n got %+v\nwant %+v (the https directory alone)", v.name, got, want)
			}
			known := map[string]AdoptedDir{dirs[0]: {Mode: 0o700}}
			rec, wantRec := tree.Record(ctx, known), recordOneByOne(ctx, v.h, dirs, known)
			if !maps.Equal(rec, wantRec) || len(rec) != 3 || len(known) != 1 {
				t.Errorf("%s: DirTree.Record\n got %+v\nwant %+v (and the argument left alone: %+v)", v.name, rec, wantRec, known)
			}
			set := FileSet{Host: v.h, Files: files}
			var seen []string
			same := func(i int, data []byte, err error) bool {
				seen = append(seen, fmt.Sprintf("%d %q %v", i, data, err))
				return err == nil && bytes.Equal(data, files[i].Data)
			}
			ff := set.Foreign(ctx, same)
			gotSeen := seen
			seen = nil
			wantFF := fileForeignOneByOne(ctx, set, same)
			if fmt.Sprint(ff) != fmt.Sprint(wantFF) || fmt.Sprint(gotSeen) != fmt.Sprint(seen) || len(ff) != 2 {
				t.Errorf("%s: FileSet.Foreign\n got %+v (asked %v)\nwant %+v (asked %v): the key and the FIFO", v.name, ff, gotSeen, wantFF, seen)
			}
		}
	})
}

func checkChainOneByOne(ctx context.Context, h host.Host, home, dir string) string {
	for _, p := range ChainBelow(home, dir) {
		info, err := h.Lstat(ctx, p)
		switch {
		case err != nil:
			return fmt.Sprintf("Cannot inspect %s on %s: %s.", p, h.ID(), err)
		case !info.Exists:
			return ""
		case info.IsSymlink:
			return fmt.Sprintf("%s on %s is a symbolic link. The provider never writes through a symlink at a managed path, since it could lead outside neo4j_home. "+
				"Replace the link with a real directory, or point base_directory at the real location inside neo4j_home.", p, h.ID())
		case !info.IsDir:
			return fmt.Sprintf("%s on %s exists but is not a directory. Move it away, or choose another base_directory.", p, h.ID())
		}
	}
	return ""
}

func foreignDirsOneByOne(ctx context.Context, h host.Host, dirs []string, mode fs.FileMode, skip func(string) bool) []host.Info {
	var out []host.Info
	for _, d := range dirs {
		if skip(d) {
			continue
		}
		info, err := h.Lstat(ctx, d)
		if err != nil || !info.Exists || !info.IsDir || info.IsSymlink || info.Mode == mode {
			continue
		}
		out = append(out, info)
	}
	return out
}

func recordOneByOne(ctx context.Context, h host.Host, dirs []string, adopted map[string]AdoptedDir) map[string]AdoptedDir {
	out := maps.Clone(adopted)
	for _, d := range dirs {
		if _, ok := out[d]; ok {
			continue
		}
		if info, err := h.Lstat(ctx, d); err == nil && info.Exists && info.IsDir && !info.IsSymlink {
			out[d] = AdoptedDir{Mode: uint32(info.Mode), UID: info.UID, GID: info.GID}
		}
	}
	return out
}

func fileForeignOneByOne(ctx context.Context, s FileSet, same func(int, []byte, error) bool) []ForeignFile {
	var out []ForeignFile
	for i, f := range s.Files {
		info, err := s.Host.Lstat(ctx, f.Path)
		if err != nil || !info.Exists || info.IsSymlink || info.IsDir {
			continue
		}
		data, err := s.Host.ReadFile(ctx, f.Path)
		if !same(i, data, err) {
			out = append(out, ForeignFile{Index: i, Info: info})
		}
	}
	return out
}
