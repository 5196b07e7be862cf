package host

import (
	"context"
	"sync"
)

// BatchHost is implemented by hosts on which independent requests are cheaper together than one
// after another. Over SSH every request costs a network round trip, and one connection carries many
// requests at once, so asking for ten paths together costs about one round trip instead of ten.
// Callers use the functions LstatAll, ReadFiles and ReadFileInfo, which take this path when the
// host offers it and call the Host methods one by one otherwise; the results are the same either
// way.
type BatchHost interface {
	// LstatAll is Lstat of every path, answered together: infos[i] and errs[i] are what
	// Lstat(paths[i]) returns.
	LstatAll(ctx context.Context, paths []string) (infos []Info, errs []error)
	// ReadFiles is ReadFile of every path, answered together: data[i] and errs[i] are what
	// ReadFile(paths[i]) returns.
	ReadFiles(ctx context.Context, paths []string) (data [][]byte, errs []error)
	// ReadFileInfo is Lstat and ReadFile of one path, in the round trips of ReadFile alone.
	ReadFileInfo(ctx context.Context, path string) (Info, []byte, error)
	// ReadFileInfos is Lstat of every path and ReadFile of every path that the lstat found to be
	// neither a symlink nor a directory, answered together (see the function ReadFileInfos).
	ReadFileInfos(ctx context.Context, paths []string) (infos []Info, lerrs []error, data [][]byte, rerrs []error)
}

// LstatAll reports on every path as Lstat does (infos[i] and errs[i] for paths[i]), all at once
// where the host allows it (see BatchHost).
func LstatAll(ctx context.Context, h Host, paths []string) ([]Info, []error) {
	if b, ok := h.(BatchHost); ok {
		return b.LstatAll(ctx, paths)
	}
	infos, errs := make([]Info, len(paths)), make([]error, len(paths))
	for i, p := range paths {
		infos[i], errs[i] = h.Lstat(ctx, p)
	}
	return infos, errs
}

// ReadFiles reads every path as ReadFile does (data[i] and errs[i] for paths[i]), all at once
// where the host allows it (see BatchHost).
func ReadFiles(ctx context.Context, h Host, paths []string) ([][]byte, []error) {
	if b, ok := h.(BatchHost); ok {
		return b.ReadFiles(ctx, paths)
	}
	data, errs := make([][]byte, len(paths)), make([]error, len(paths))
	for i, p := range paths {
		data[i], errs[i] = h.ReadFile(ctx, p)
	}
	return data, errs
}

// ReadFileInfo returns what Lstat reports about path and, when it is a regular file, its content,
// in one call: over SSH in the round trips of ReadFile alone, since ReadFile makes that lstat
// anyway. The error is ReadFile's (ErrNotExist for a missing path, ErrSymlink, ErrIsDir,
// ErrNotRegular), with Info still describing what was found; when the lstat itself fails, Info
// has only Path set. On a host without batch support, and whenever the file
// changes between the two steps, the answer is that of an Lstat followed by a ReadFile.
func ReadFileInfo(ctx context.Context, h Host, path string) (Info, []byte, error) {
	if b, ok := h.(BatchHost); ok {
		return b.ReadFileInfo(ctx, path)
	}
	info, lerr := h.Lstat(ctx, path)
	data, err := h.ReadFile(ctx, path)
	if err == nil {
		err = lerr
	}
	if err != nil {
		return info, nil, err
	}
	return info, data, nil
}

// ReadFileInfos inspects every path and reads the files among them, all at once where the host
// allows it (see BatchHost): infos[i] and lerrs[i] are what Lstat(paths[i]) returns; when that
// lstat found something that is neither a symlink nor a directory, data[i] and rerrs[i] are what
// ReadFile(paths[i]) returns (a regular file's content, or ErrNotRegular for a FIFO, a socket or a
// device, which is never opened), otherwise both are nil. Over SSH the whole batch costs the round
// trips of one ReadFile (three: the lstats, the opens of the regular files, then their reads),
// where an LstatAll followed by a ReadFiles costs four, since ReadFile lstats each path again
// before opening it. A path is opened only once its lstat found a regular file, so a symlink is
// never followed and a FIFO never opened; an error on one path leaves the others' answers alone.
func ReadFileInfos(ctx context.Context, h Host, paths []string) ([]Info, []error, [][]byte, []error) {
	if b, ok := h.(BatchHost); ok {
		return b.ReadFileInfos(ctx, paths)
	}
	infos, lerrs := make([]Info, len(paths)), make([]error, len(paths))
	data, rerrs := make([][]byte, len(paths)), make([]error, len(paths))
	for i, p := range paths {
		infos[i], lerrs[i] = h.Lstat(ctx, p)
		if readable(infos[i], lerrs[i]) {
			data[i], rerrs[i] = h.ReadFile(ctx, p)
		}
	}
	return infos, lerrs, data, rerrs
}

// readable says whether ReadFileInfos reads a path whose Lstat answered info and err: it exists
// and is neither a symlink nor a directory.
func readable(info Info, err error) bool {
	return err == nil && info.Exists && !info.IsSymlink && !info.IsDir
}

// batchWidth bounds the requests a batch keeps in flight on one SSH connection (pkg/sftp's own
// default limit is 64).
const batchWidth = 32

// each runs fn(i) for every i below n, up to batchWidth at once.
func each(n int, fn func(i int)) {
	sem := make(chan struct{}, batchWidth)
	var wg sync.WaitGroup
	for i := range n {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			fn(i)
		}()
	}
	wg.Wait()
}

var _ BatchHost = (*SSHHost)(nil)

// LstatAll sends the lstat of every path at once on the connection (see BatchHost).
func (h *SSHHost) LstatAll(ctx context.Context, paths []string) ([]Info, []error) {
	infos, errs := make([]Info, len(paths)), make([]error, len(paths))
	each(len(paths), func(i int) { infos[i], errs[i] = h.Lstat(ctx, paths[i]) })
	return infos, errs
}

// ReadFiles reads every path at once on the connection (see BatchHost).
func (h *SSHHost) ReadFiles(ctx context.Context, paths []string) ([][]byte, []error) {
	data, errs := make([][]byte, len(paths)), make([]error, len(paths))
	each(len(paths), func(i int) { data[i], errs[i] = h.ReadFile(ctx, paths[i]) })
	return data, errs
}

// ReadFileInfos sends the lstat of every path at once, then the open of every regular file found,
// then their reads (see BatchHost and the function ReadFileInfos).
func (h *SSHHost) ReadFileInfos(ctx context.Context, paths []string) ([]Info, []error, [][]byte, []error) {
	infos, lerrs := make([]Info, len(paths)), make([]error, len(paths))
	data, rerrs := make([][]byte, len(paths)), make([]error, len(paths))
	each(len(paths), func(i int) {
		r := h.lstatRead(ctx, paths[i])
		infos[i], lerrs[i], data[i], rerrs[i] = r.info, r.lerr, r.data, r.rerr
	})
	return infos, lerrs, data, rerrs
}

// lstatRead is what ReadFileInfos answers for one path: Lstat's info and error, then ReadFile's
// content and error (for a path that is neither a symlink nor a directory).
type lstatRead struct {
	info       Info
	lerr, rerr error
	data       []byte
}

// lstatRead is Lstat of p and, when it found neither a symlink nor a directory, ReadFile of p
// without ReadFile's own lstat: the open follows the lstat that found a regular file, as in
// ReadFile. Errors are those of Lstat and ReadFile, word for word.
func (h *SSHHost) lstatRead(ctx context.Context, p string) lstatRead {
	if err := begin(ctx, "lstat", p); err != nil {
		return lstatRead{info: Info{Path: p}, lerr: err}
	}
	var r lstatRead
	_ = h.with(ctx, func(c *sshConn) error {
		r = lstatRead{info: Info{Path: p}}
		st, err := c.lstat(p)
		if err == nil && st != nil {
			r.info, err = h.info(ctx, c, p, st)
		}
		if err != nil {
			r.info, r.lerr = Info{Path: p}, err
			return err
		}
		if !readable(r.info, nil) {
			return nil
		}
		if r.rerr = begin(ctx, "read", p); r.rerr != nil {
			return r.rerr
		}
		if r.rerr = typeErrMode(st.Mode); r.rerr == nil {
			r.data, r.rerr = c.readLstated(p, st)
		}
		if r.rerr != nil {
			r.data = nil
		}
		return r.rerr
	})
	switch {
	case r.lerr != nil:
		return lstatRead{info: Info{Path: p}, lerr: opErr("lstat", p, r.lerr)}
	case r.rerr != nil:
		return lstatRead{info: r.info, rerr: opErr("read", p, r.rerr)}
	}
	return r
}

// ReadFileInfo returns the lstat that ReadFile makes before opening the file, with the content
// (see BatchHost and the function ReadFileInfo).
func (h *SSHHost) ReadFileInfo(ctx context.Context, p string) (Info, []byte, error) {
	const op = "read"
	if err := begin(ctx, op, p); err != nil {
		return Info{Path: p}, nil, err
	}
	var (
		info Info
		data []byte
	)
	err := h.with(ctx, func(c *sshConn) error {
		info, data = Info{Path: p}, nil
		st, err := c.lstat(p)
		if err != nil {
			return err
		}
		if st != nil {
			if info, err = h.info(ctx, c, p, st); err != nil {
				info = Info{Path: p}
				return err
			}
		}
		if st == nil {
			return ErrNotExist
		}
		if err := typeErrMode(st.Mode); err != nil {
			return err
		}
		data, err = c.readLstated(p, st)
		return err
	})
	if err != nil {
		return info, nil, opErr(op, p, err)
	}
	return info, data, nil
}
