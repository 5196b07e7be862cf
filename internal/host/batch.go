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
	// ReadFileInfos is ReadFileInfo of every path, answered together: infos[i], data[i] and
	// errs[i] are what ReadFileInfo(paths[i]) returns.
	ReadFileInfos(ctx context.Context, paths []string) (infos []Info, data [][]byte, errs []error)
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

// ReadFileInfos is ReadFileInfo of every path (infos[i], data[i] and errs[i] for paths[i]), all at
// once where the host allows it (see BatchHost). Over SSH the whole batch costs the round trips of
// one ReadFile (three: the lstats, the opens of the regular files, then their reads), where an
// LstatAll followed by a ReadFiles costs four: ReadFile lstats each path again before opening it.
// As in ReadFileInfo, a path is opened only once its lstat has found a regular file, so a symlink
// is never followed and a FIFO never opened; an error on one path leaves the others' answers alone.
func ReadFileInfos(ctx context.Context, h Host, paths []string) ([]Info, [][]byte, []error) {
	if b, ok := h.(BatchHost); ok {
		return b.ReadFileInfos(ctx, paths)
	}
	infos, data, errs := make([]Info, len(paths)), make([][]byte, len(paths)), make([]error, len(paths))
	for i, p := range paths {
		infos[i], data[i], errs[i] = ReadFileInfo(ctx, h, p)
	}
	return infos, data, errs
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

// prefetchNames starts reading the files that name users and groups (see entFiles), once per
// connection, alongside a batch whose answers need those names: the reads go out with the batch's
// lstats instead of after the first answer. An error is left to the batch's own requests.
func (h *SSHHost) prefetchNames(ctx context.Context, n int) {
	if n == 0 {
		return
	}
	if c, err := h.conn(ctx); err == nil {
		go c.entFiles(h.entPaths())
	}
}

// LstatAll sends the lstat of every path at once on the connection (see BatchHost).
func (h *SSHHost) LstatAll(ctx context.Context, paths []string) ([]Info, []error) {
	h.prefetchNames(ctx, len(paths))
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
func (h *SSHHost) ReadFileInfos(ctx context.Context, paths []string) ([]Info, [][]byte, []error) {
	h.prefetchNames(ctx, len(paths))
	infos, data, errs := make([]Info, len(paths)), make([][]byte, len(paths)), make([]error, len(paths))
	each(len(paths), func(i int) { infos[i], data[i], errs[i] = h.ReadFileInfo(ctx, paths[i]) })
	return infos, data, errs
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
