package host

import (
	"context"
	"errors"
	"io/fs"
	"time"
)

// Logger receives a line per host operation from a host wrapped with Logged: which host, which path,
// how long it took, how many bytes moved, how long a lock was waited for. Fields never carry file
// contents, so a key never reaches a log.
type Logger interface {
	Debug(ctx context.Context, msg string, fields map[string]any)
}

// Logged returns h with every operation reported to l (at debug level, as the caller's Logger
// decides). Wrap the outermost view: Beneath of a logged host confines nothing, so call
// Logged(Beneath(h, root), l), never the other way round. A nil l returns h.
func Logged(h Host, l Logger) Host {
	if l == nil {
		return h
	}
	return &logged{h: h, l: l}
}

type logged struct {
	h Host
	l Logger
}

func (g *logged) log(ctx context.Context, msg, path string, start time.Time, err error, more map[string]any) {
	f := map[string]any{"host": g.h.ID(), "path": path, "duration": time.Since(start).Round(time.Microsecond).String()}
	for k, v := range more {
		f[k] = v
	}
	if err != nil {
		f["error"] = err.Error()
	}
	g.l.Debug(ctx, msg, f)
}

func (g *logged) ID() string { return g.h.ID() }

func (g *logged) Lstat(ctx context.Context, path string) (Info, error) {
	start := time.Now()
	info, err := g.h.Lstat(ctx, path)
	g.log(ctx, "host lstat", path, start, err, map[string]any{"exists": info.Exists})
	return info, err
}

func (g *logged) ReadFile(ctx context.Context, path string) ([]byte, error) {
	start := time.Now()
	data, err := g.h.ReadFile(ctx, path)
	g.log(ctx, "host read file", path, start, err, map[string]any{"bytes": len(data)})
	return data, err
}

func (g *logged) WriteFile(ctx context.Context, path string, data []byte, mode fs.FileMode, owner Owner) error {
	start := time.Now()
	err := g.h.WriteFile(ctx, path, data, mode, owner)
	g.log(ctx, "host write file", path, start, err, map[string]any{"bytes": len(data), "mode": mode.String(), "owner": owner.User, "group": owner.Group})
	return err
}

func (g *logged) Mkdir(ctx context.Context, path string, mode fs.FileMode, owner Owner) (bool, error) {
	start := time.Now()
	created, err := g.h.Mkdir(ctx, path, mode, owner)
	g.log(ctx, "host mkdir", path, start, err, map[string]any{"created": created, "mode": mode.String(), "owner": owner.User, "group": owner.Group})
	return created, err
}

func (g *logged) SetAttr(ctx context.Context, path string, mode fs.FileMode, owner Owner) error {
	start := time.Now()
	err := g.h.SetAttr(ctx, path, mode, owner)
	g.log(ctx, "host set mode and owner", path, start, err, map[string]any{"mode": mode.String(), "owner": owner.User, "group": owner.Group})
	return err
}

func (g *logged) ReadDir(ctx context.Context, path string) ([]string, error) {
	start := time.Now()
	names, err := g.h.ReadDir(ctx, path)
	g.log(ctx, "host read directory", path, start, err, map[string]any{"entries": len(names)})
	return names, err
}

func (g *logged) Remove(ctx context.Context, path string) error {
	start := time.Now()
	err := g.h.Remove(ctx, path)
	g.log(ctx, "host remove", path, start, err, nil)
	return err
}

// Lock reports the wait: a line when the lock is found held (through the same hook tests use to see
// a waiter blocked), and one when it is taken or the wait ends, with how long it took.
func (g *logged) Lock(ctx context.Context, path string, holder string, timeout time.Duration) (Unlocker, error) {
	start := time.Now()
	inner, _ := ctx.Value(lockWaitKey{}).(func())
	ctx = context.WithValue(ctx, lockWaitKey{}, func() {
		g.log(ctx, "host lock busy, waiting", path, start, nil, map[string]any{"timeout": timeout.String()})
		if inner != nil {
			inner()
		}
	})
	u, err := g.h.Lock(ctx, path, holder, timeout)
	wait := map[string]any{"lock_wait": time.Since(start).Round(time.Microsecond).String()}
	if err != nil {
		g.log(ctx, "host lock not taken", path, start, err, wait)
		return nil, err
	}
	g.log(ctx, "host lock taken", path, start, nil, wait)
	return &loggedUnlock{u: u, g: g, ctx: ctx, path: path, taken: time.Now()}, nil
}

type loggedUnlock struct {
	u     Unlocker
	g     *logged
	ctx   context.Context
	path  string
	taken time.Time
}

func (u *loggedUnlock) Unlock() error {
	err := u.u.Unlock()
	u.g.log(u.ctx, "host lock released", u.path, u.taken, err, nil)
	return err
}

func (g *logged) LookupOwner(ctx context.Context, o Owner) (int, int, error) {
	start := time.Now()
	uid, gid, err := g.h.LookupOwner(ctx, o)
	g.log(ctx, "host owner lookup", "", start, err, map[string]any{"user": o.User, "group": o.Group, "uid": uid, "gid": gid})
	return uid, gid, err
}

var _ BatchHost = (*logged)(nil)

// batchFields counts a batch's answers for its log line: the paths, how many failed and how many
// were missing (a missing path is an answer, not a failure).
func batchFields(n int, errs []error, more map[string]any) map[string]any {
	failed, missing := 0, 0
	for _, err := range errs {
		switch {
		case err == nil:
		case errors.Is(err, ErrNotExist):
			missing++
		default:
			failed++
		}
	}
	f := map[string]any{"paths": n, "failed": failed, "missing": missing}
	for k, v := range more {
		f[k] = v
	}
	return f
}

// LstatAll forwards the batch to the wrapped host (which answers it together when it can, see
// BatchHost) and logs one line for it.
func (g *logged) LstatAll(ctx context.Context, paths []string) ([]Info, []error) {
	start := time.Now()
	infos, errs := LstatAll(ctx, g.h, paths)
	g.log(ctx, "host lstat batch", "", start, nil, batchFields(len(paths), errs, nil))
	return infos, errs
}

// ReadFiles forwards the batch to the wrapped host and logs one line for it, with the bytes read in
// all (never the content).
func (g *logged) ReadFiles(ctx context.Context, paths []string) ([][]byte, []error) {
	start := time.Now()
	data, errs := ReadFiles(ctx, g.h, paths)
	total := 0
	for _, d := range data {
		total += len(d)
	}
	g.log(ctx, "host read file batch", "", start, nil, batchFields(len(paths), errs, map[string]any{"bytes": total}))
	return data, errs
}

// ReadFileInfos forwards the batch to the wrapped host and logs one line for it, with the bytes
// read in all (never the content).
func (g *logged) ReadFileInfos(ctx context.Context, paths []string) ([]Info, []error, [][]byte, []error) {
	start := time.Now()
	infos, lerrs, data, rerrs := ReadFileInfos(ctx, g.h, paths)
	total := 0
	errs := make([]error, len(paths))
	for i, d := range data {
		total += len(d)
		if errs[i] = lerrs[i]; errs[i] == nil {
			errs[i] = rerrs[i]
		}
	}
	g.log(ctx, "host read file with lstat batch", "", start, nil, batchFields(len(paths), errs, map[string]any{"bytes": total}))
	return infos, lerrs, data, rerrs
}

// ReadFileInfo forwards to the wrapped host and logs one line, as ReadFile does.
func (g *logged) ReadFileInfo(ctx context.Context, path string) (Info, []byte, error) {
	start := time.Now()
	info, data, err := ReadFileInfo(ctx, g.h, path)
	g.log(ctx, "host read file with lstat", path, start, err, map[string]any{"exists": info.Exists, "bytes": len(data)})
	return info, data, err
}
