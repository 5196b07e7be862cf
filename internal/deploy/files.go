package deploy

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"time"

	"github.com/dbtls/terraform-provider-dbtls/internal/host"
)

// File is one file of a FileSet. Data nil means the content is not written: the file must exist,
// and only its mode and owner are repaired.
type File struct {
	Path string
	Data []byte
	Mode fs.FileMode
}

// FileSet is a set of files written together on a host, in order, with undo.
type FileSet struct {
	Host  host.Host
	Files []File
	Log   Logger
}

// fileWas is a file's state before Write changed it, to restore it when a later write fails.
type fileWas struct {
	path     string
	exists   bool
	data     []byte
	mode     fs.FileMode
	uid, gid int
}

// ReadError is returned by Write when a file's state could not be read before the first write;
// nothing was changed.
type ReadError struct{ Err error }

func (e *ReadError) Error() string { return e.Err.Error() }
func (e *ReadError) Unwrap() error { return e.Err }

// WriteError is returned by Write when a write failed; every file already changed was restored (or
// removed, when it was new).
type WriteError struct{ Err error }

func (e *WriteError) Error() string { return e.Err.Error() }
func (e *WriteError) Unwrap() error { return e.Err }

// Write makes the host hold the files, in order: a file whose content differs (or that is missing)
// is written atomically with its mode and owner; one whose mode or owner alone differ gets them set.
// uid and gid are owner's numeric ids (-1: any). stale lists more paths whose left-over temp files
// are removed first (RemoveStaleTemps): only one writer may write these files at a time.
//
// Every file's state is read before the first write, so nothing slow or fallible sits between the
// writes; content is read only for files with Data (so a key not being written is never read). If a
// write fails, every file already changed is restored (content, mode, owner) or removed, in reverse
// order, and the error is a *WriteError. existed reports, per file, whether it was there before.
func (s FileSet) Write(ctx context.Context, owner host.Owner, uid, gid int, stale []string) (existed []bool, err error) {
	start := time.Now()
	paths := append([]string(nil), stale...)
	for _, f := range s.Files {
		paths = append(paths, f.Path)
	}
	RemoveStaleTemps(ctx, s.Host, paths)
	before := make([]fileWas, len(s.Files))
	defer func() {
		for _, w := range before {
			clear(w.data)
		}
	}()
	for i, f := range s.Files {
		w, err := readFileWas(ctx, s.Host, f.Path, f.Data != nil)
		if err != nil {
			return nil, &ReadError{err}
		}
		before[i] = w
	}
	var done []fileWas
	undo := func() {
		for i := len(done) - 1; i >= 0; i-- {
			w := done[i]
			if !w.exists {
				_ = s.Host.Remove(ctx, w.path)
				continue
			}
			restore := host.Owner{User: strconv.Itoa(w.uid), Group: strconv.Itoa(w.gid)}
			if w.data != nil {
				_ = s.Host.WriteFile(ctx, w.path, w.data, w.mode, restore)
			} else {
				_ = s.Host.SetAttr(ctx, w.path, w.mode, restore)
			}
		}
	}
	written, repaired, total := 0, 0, 0
	for i, f := range s.Files {
		w := before[i]
		attrsDiffer := w.mode != f.Mode || (uid >= 0 && w.uid != uid) || (gid >= 0 && w.gid != gid)
		switch {
		case f.Data != nil && (!w.exists || !bytes.Equal(w.data, f.Data)):
			err = s.Host.WriteFile(ctx, f.Path, f.Data, f.Mode, owner)
			written++
			total += len(f.Data)
		case w.exists && attrsDiffer:
			w.data = nil // SetAttr: restore mode and owner only
			err = s.Host.SetAttr(ctx, f.Path, f.Mode, owner)
			repaired++
		case !w.exists:
			// Only a file without Data can be missing here with nothing to write.
			err = fmt.Errorf("%s is missing and the key is not being written: %w", f.Path, host.ErrNotExist)
		default:
			continue
		}
		if err != nil {
			undo()
			debug(ctx, s.Log, "file set write failed and was undone", map[string]any{"host": s.Host.ID(), "file": f.Path, "restored": len(done), "duration": since(start)})
			return nil, &WriteError{err}
		}
		done = append(done, w)
	}
	existed = make([]bool, len(before))
	for i, w := range before {
		existed[i] = w.exists
	}
	debug(ctx, s.Log, "file set written", map[string]any{"host": s.Host.ID(), "files": len(s.Files), "written": written, "repaired": repaired,
		"bytes": total, "duration": since(start)})
	return existed, nil
}

// readFileWas records a file's state; content only when withData.
func readFileWas(ctx context.Context, h host.Host, p string, withData bool) (fileWas, error) {
	info, err := h.Lstat(ctx, p)
	if err != nil {
		return fileWas{}, err
	}
	w := fileWas{path: p, exists: info.Exists, mode: info.Mode, uid: info.UID, gid: info.GID}
	if !info.Exists {
		return w, nil
	}
	if info.IsSymlink {
		return w, &host.PathError{Op: "write", Path: p, Err: host.ErrSymlink}
	}
	if info.IsDir {
		return w, &host.PathError{Op: "write", Path: p, Err: host.ErrIsDir}
	}
	if withData {
		if w.data, err = h.ReadFile(ctx, p); err != nil {
			return w, err
		}
	}
	return w, nil
}

// ObservedFile is a file as the host has it now. Err is set when it could not be inspected;
// ReadErr when it exists but its content could not be read. Sum is what the caller's sum function
// made of the content (the content itself is never kept).
type ObservedFile struct {
	Path    string
	Info    host.Info
	Err     error
	ReadErr error
	Sum     string
}

// Observe reports each path as the host has it now. The content of each regular file is handed to
// sum and cleared right after: Observe keeps no file's bytes, a key's included. Every path is
// inspected and read together (host.ReadFileInfos): over SSH the round trips of one ReadFile for
// the whole set (lstat, open, read), not of each path in turn. A path is opened only after its
// lstat found a regular file: a symlink is never followed, a FIFO never opened.
func Observe(ctx context.Context, h host.Host, paths []string, sum func(path string, data []byte) string) []ObservedFile {
	out := make([]ObservedFile, len(paths))
	infos, lerrs, data, rerrs := host.ReadFileInfos(ctx, h, paths)
	for i, p := range paths {
		out[i] = ObservedFile{Path: p, Info: infos[i], Err: lerrs[i], ReadErr: rerrs[i]}
		if o := out[i]; o.Err == nil && o.ReadErr == nil && o.Info.Exists && !o.Info.IsSymlink && !o.Info.IsDir {
			out[i].Sum = sum(p, data[i])
		}
		clear(data[i])
	}
	return out
}

// ForeignFile is a file of the set found on the host holding something else than the set writes.
type ForeignFile struct {
	Index int // into Files
	Info  host.Info
}

// Foreign returns each file of the set that exists as a regular file and for which same, given its
// content (or the error reading it), says it is not what the set would write: a file someone else
// put there. The files are inspected and read together (host.ReadFileInfos).
func (s FileSet) Foreign(ctx context.Context, same func(i int, data []byte, err error) bool) []ForeignFile {
	paths := make([]string, len(s.Files))
	for i, f := range s.Files {
		paths[i] = f.Path
	}
	infos, lerrs, data, rerrs := host.ReadFileInfos(ctx, s.Host, paths)
	var out []ForeignFile
	for i, info := range infos {
		if lerrs[i] != nil || !info.Exists || info.IsSymlink || info.IsDir {
			continue
		}
		ok := same(i, data[i], rerrs[i])
		clear(data[i])
		if !ok {
			out = append(out, ForeignFile{Index: i, Info: info})
		}
	}
	return out
}

// ErrLeftDirectory is a Removal's error for a path that is now a directory, which is left.
var ErrLeftDirectory = errors.New("is now a directory")

// Removal is the outcome of removing one path: Err is nil when it is gone (or was never there),
// ErrLeftDirectory when it is a directory now, or why it could not be removed (or inspected).
type Removal struct {
	Path string
	Err  error
}

// Remove removes paths (regular files a set wrote), in order. A missing path is fine; a path that
// became a directory is left. Remove any temp files a killed write left first (RemoveStaleTemps).
func Remove(ctx context.Context, h host.Host, log Logger, paths []string) []Removal {
	start := time.Now()
	out := make([]Removal, 0, len(paths))
	for _, p := range paths {
		info, err := h.Lstat(ctx, p)
		switch {
		case err != nil:
		case !info.Exists:
		case info.IsDir:
			err = ErrLeftDirectory
		default:
			err = h.Remove(ctx, p)
		}
		out = append(out, Removal{Path: p, Err: err})
	}
	debug(ctx, log, "files removed", map[string]any{"host": h.ID(), "files": paths, "duration": since(start)})
	return out
}
