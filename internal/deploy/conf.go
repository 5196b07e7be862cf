package deploy

import (
	"context"
	"errors"
	"fmt"
	posix "path"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dbtls/terraform-provider-dbtls/internal/host"
	"github.com/dbtls/terraform-provider-dbtls/internal/neo4j"
)

// ConfLockTimeout bounds how long an edit of neo4j.conf waits for another writer.
const ConfLockTimeout = 60 * time.Second

// ErrConfMissing is returned by Load and Edit when the config file does not exist.
var ErrConfMissing = errors.New("config file does not exist")

// ConfStore keeps one parsed copy of each neo4j.conf per provider process, so that a plan of a
// hundred resources reads each file once, and edits a file safely against every other writer. An
// entry is reused while the file's inode, size and modification time are unchanged (one stat per
// use); a write through Edit stores the parse of what it wrote, so that the plan of the next resource
// neither reads nor parses the file again. Concurrent edits of one file are committed as a group (see
// Edit).
type ConfStore struct {
	// Log, when set, receives a line per batch of edits (host, file, edits, bytes, duration).
	Log Logger

	mu      sync.Mutex
	entries map[string]*confEntry
	queues  map[string]*editQueue // the edits waiting for each file, keyed like entries
	hooks   *confHooks            // tests only
}

type confEntry struct {
	mu   sync.Mutex
	info host.Info
	conf *neo4j.Conf
}

// NewConfStore returns an empty store.
func NewConfStore() *ConfStore {
	return &ConfStore{entries: map[string]*confEntry{}, queues: map[string]*editQueue{}}
}

func (c *ConfStore) entry(h host.Host, file string) *confEntry {
	c.mu.Lock()
	defer c.mu.Unlock()
	key := h.ID() + "\x00" + file
	e := c.entries[key]
	if e == nil {
		e = &confEntry{}
		c.entries[key] = e
	}
	return e
}

// Load returns the parsed config file. A missing file is ErrConfMissing; a symlink is refused.
func (c *ConfStore) Load(ctx context.Context, h host.Host, file string) (*neo4j.Conf, host.Info, error) {
	return c.load(ctx, h, file, false)
}

// load is Load; with fresh the file is read again even when a fresh lstat finds it as it was.
func (c *ConfStore) load(ctx context.Context, h host.Host, file string, fresh bool) (*neo4j.Conf, host.Info, error) {
	e := c.entry(h, file)
	e.mu.Lock()
	defer e.mu.Unlock()
	info, err := h.Lstat(ctx, file)
	if err != nil {
		return nil, info, err
	}
	if !info.Exists {
		e.conf = nil
		return nil, info, ErrConfMissing
	}
	if info.IsSymlink {
		return nil, info, &host.PathError{Op: "read", Path: file, Err: host.ErrSymlink}
	}
	if !fresh && e.conf != nil && sameFile(e.info, info) {
		return e.conf, info, nil
	}
	return e.read(ctx, h, file, info)
}

// read reads file (whose Lstat is info) and parses it, unless it holds the bytes of the copy e has:
// then only info changes. Called with e.mu held.
func (e *confEntry) read(ctx context.Context, h host.Host, file string, info host.Info) (*neo4j.Conf, host.Info, error) {
	data, err := h.ReadFile(ctx, file)
	if err != nil {
		return nil, info, err
	}
	conf := e.conf
	if conf == nil || !conf.HasBytes(data) {
		if conf, err = neo4j.ParseConf(data); err != nil {
			return nil, info, fmt.Errorf("%s: %w", file, err)
		}
	}
	e.info, e.conf = info, conf
	return conf, info, nil
}

// loadFresh is Load for an edit under the file's lock: the file is always read again (another process
// may have written it within the same size and modification time), and parsed again only when its
// bytes differ from the copy kept.
func (c *ConfStore) loadFresh(ctx context.Context, h host.Host, file string) (*neo4j.Conf, host.Info, error) {
	return c.load(ctx, h, file, true)
}

// written records conf as the content of file, just written under the file's lock, with the file's
// Lstat after the write, so that the next Load (the plan of the next resource) finds it without
// reading or parsing the file again. When the Lstat fails, the copy is dropped instead.
func (c *ConfStore) written(ctx context.Context, h host.Host, file string, conf *neo4j.Conf) {
	e := c.entry(h, file)
	e.mu.Lock()
	defer e.mu.Unlock()
	info, err := h.Lstat(ctx, file)
	if err != nil || !info.Exists || info.IsSymlink {
		e.conf = nil
		return
	}
	e.info, e.conf = info, conf
}

// Forget drops the cached copy of file, so the next Load reads it again.
func (c *ConfStore) Forget(h host.Host, file string) {
	e := c.entry(h, file)
	e.mu.Lock()
	e.conf = nil
	e.mu.Unlock()
}

func sameFile(a, b host.Info) bool {
	return a.Ino == b.Ino && a.Size == b.Size && a.ModTime.Equal(b.ModTime) && a.Exists == b.Exists
}

// Edit changes file on h safely against every other writer: it takes the host's lock for the file,
// re-reads it, lets edit compute the new bytes from the fresh parse, and writes them atomically with
// the file's own mode and owner. edit returning the same bytes writes nothing. holder describes the
// caller for the lock file.
//
// Concurrent edits of one file in this process are committed as a group: the edits waiting for the
// file when its lock is taken (those that arrive while the lock is awaited included) form a batch,
// applied in arrival order, each on the parse of the previous one's result, and written with one
// write and one fsync. Each caller still gets its own result: an edit that fails (its own error, or
// a result that does not parse) changes nothing and fails alone; a lock, read or write error reaches
// exactly the edits of its batch; an edit whose ctx ends before its batch starts is dropped with
// ctx.Err(). A file is keyed by h.ID() and its path, as the parse cache is: hosts with one ID are
// one machine and account.
func (c *ConfStore) Edit(ctx context.Context, h host.Host, file, holder string, edit func(*neo4j.Conf) ([]byte, error)) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	q := c.queue(h, file)
	r := &editReq{ctx: ctx, holder: holder, edit: edit, done: make(chan struct{})}
	q.mu.Lock()
	q.pending = append(q.pending, r)
	n := len(q.pending)
	lead := !q.running
	q.running = true
	q.mu.Unlock()
	stop := context.AfterFunc(ctx, func() { q.withdraw(r) })
	defer stop()
	if c.hooks != nil && c.hooks.queued != nil {
		c.hooks.queued(n)
	}
	if lead {
		// The first edit of an idle file starts the batches; it runs in a goroutine of its own so
		// that each caller returns as soon as its own batch is done.
		go c.commit(h, file, q)
	}
	<-r.done
	return r.err
}

// editReq is one Edit call waiting for, or taking part in, a batch.
type editReq struct {
	ctx    context.Context
	holder string
	edit   func(*neo4j.Conf) ([]byte, error)
	taken  bool // in a batch; guarded by the queue's mu
	err    error
	done   chan struct{}
}

// finish hands r its result. Called once per request: by withdraw for a request still queued, or by
// the batch that took it.
func (r *editReq) finish(err error) {
	r.err = err
	close(r.done)
}

// editQueue holds the edits of one file that wait for the next batch.
type editQueue struct {
	mu      sync.Mutex
	pending []*editReq
	running bool               // a commit goroutine serves this file
	abort   context.CancelFunc // ends the current lock wait; set while the lock is awaited
}

// confHooks let tests observe and hold the batching at fixed points; nil in production.
type confHooks struct {
	queued     func(pending int) // after an edit joined the queue, with the queue's length then
	beforeLock func()            // before a batch's lock is requested
	taken      func(batch int)   // after a batch was taken, before the file is read
}

func (c *ConfStore) queue(h host.Host, file string) *editQueue {
	c.mu.Lock()
	defer c.mu.Unlock()
	key := h.ID() + "\x00" + file
	q := c.queues[key]
	if q == nil {
		q = &editQueue{}
		c.queues[key] = q
	}
	return q
}

// withdraw drops r with its ctx's error if no batch has taken it yet. When nothing is left to wait
// for, the lock wait ends too.
func (q *editQueue) withdraw(r *editReq) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if r.taken {
		return
	}
	for i, p := range q.pending {
		if p == r {
			q.pending = append(q.pending[:i], q.pending[i+1:]...)
			r.taken = true
			r.finish(r.ctx.Err())
			break
		}
	}
	if len(q.pending) == 0 && q.abort != nil {
		q.abort()
	}
}

// MaxBatch bounds the edits one batch applies, and so how long it holds the file's lock: each
// edit copies the file (and parses the lines it changes), and another process waits at most
// ConfLockTimeout for the lock. Edits beyond it form the next batch, which follows at once.
const MaxBatch = 64

// commit runs batches for one file until none is waiting.
func (c *ConfStore) commit(h host.Host, file string, q *editQueue) {
	for {
		q.mu.Lock()
		if len(q.pending) == 0 {
			q.running = false
			q.mu.Unlock()
			return
		}
		first := q.pending[0]
		// The lock wait serves every waiting edit, so no single caller's ctx may end it: it ends
		// when every waiting edit has been withdrawn (the ctx keeps the first caller's values, for
		// logging).
		lockCtx, cancel := context.WithCancel(context.WithoutCancel(first.ctx))
		q.abort = cancel
		q.mu.Unlock()
		c.batch(lockCtx, h, file, q, first.holder)
		cancel()
	}
}

// batch takes the lock, then every waiting edit, and commits them.
func (c *ConfStore) batch(lockCtx context.Context, h host.Host, file string, q *editQueue, holder string) {
	if c.hooks != nil && c.hooks.beforeLock != nil {
		c.hooks.beforeLock()
	}
	start := time.Now()
	lock, lockErr := h.Lock(lockCtx, file, holder, ConfLockTimeout)
	q.mu.Lock()
	q.abort = nil
	if lockErr != nil && lockCtx.Err() != nil {
		// Every edit that waited was withdrawn; any that came since get a fresh wait.
		q.mu.Unlock()
		return
	}
	all := q.pending
	if len(all) > MaxBatch {
		all = all[:MaxBatch:MaxBatch]
		q.pending = append([]*editReq(nil), q.pending[MaxBatch:]...)
	} else {
		q.pending = nil
	}
	for _, r := range all {
		r.taken = true
	}
	q.mu.Unlock()
	results := make([]error, len(all))
	defer func() {
		if lock != nil {
			_ = lock.Unlock()
		}
		for i, r := range all {
			r.finish(results[i])
		}
	}()
	var live []int // indexes into all of the edits this batch applies
	for i, r := range all {
		if err := r.ctx.Err(); err != nil {
			results[i] = err
			continue
		}
		live = append(live, i)
	}
	failAll := func(err error) {
		for _, i := range live {
			results[i] = err
		}
	}
	if lockErr != nil {
		failAll(lockErr)
		return
	}
	if len(live) == 0 {
		return
	}
	if c.hooks != nil && c.hooks.taken != nil {
		c.hooks.taken(len(live))
	}
	// The batch's reads and writes end early only when every one of its callers has gone.
	ctx, cancel := context.WithCancel(context.WithoutCancel(lockCtx))
	defer cancel()
	var left atomic.Int64
	left.Store(int64(len(live)))
	for _, i := range live {
		stop := context.AfterFunc(all[i].ctx, func() {
			if left.Add(-1) == 0 {
				cancel()
			}
		})
		defer stop()
	}
	debug(ctx, c.Log, "neo4j.conf locked", map[string]any{"host": h.ID(), "file": file, "lock_wait": since(start), "edits": len(live)})

	// A writer killed between creating its temp file and renaming it leaves the temp file behind.
	// Every writer of this file holds the lock while its temp file exists, so under the lock any
	// such file is stale.
	RemoveStaleTemps(ctx, h, []string{file})

	conf, info, err := c.loadFresh(ctx, h, file)
	if err != nil {
		failAll(err)
		return
	}
	cur := conf
	var curBytes []byte // cur's bytes once an edit changed the file
	var applied []int
	for _, i := range live {
		out, err := all[i].edit(cur)
		if err != nil {
			results[i] = err
			continue
		}
		if !cur.HasBytes(out) {
			next, err := cur.Reparse(out)
			if err != nil {
				results[i] = fmt.Errorf("%s: the edited file would not parse: %w", file, err)
				continue
			}
			cur, curBytes = next, out
		}
		applied = append(applied, i)
	}
	if curBytes == nil || conf.HasBytes(curBytes) {
		debug(ctx, c.Log, "neo4j.conf unchanged", map[string]any{"host": h.ID(), "file": file, "edits": len(live), "duration": since(start)})
		return
	}
	owner := host.Owner{User: strconv.Itoa(info.UID), Group: strconv.Itoa(info.GID)}
	err = h.WriteFile(ctx, file, curBytes, info.Mode, owner)
	if err != nil {
		c.Forget(h, file)
	} else {
		c.written(ctx, h, file, cur)
	}
	for _, i := range applied {
		results[i] = err
	}
	if err != nil {
		debug(ctx, c.Log, "neo4j.conf not written", map[string]any{"host": h.ID(), "file": file, "edits": len(applied), "error": err.Error(), "duration": since(start)})
		return
	}
	debug(ctx, c.Log, "neo4j.conf written", map[string]any{"host": h.ID(), "file": file, "bytes": len(curBytes), "edits": len(applied), "duration": since(start)})
}

// TempInfix marks the temp files host.WriteFile writes: ".<base>.dbtls-tmp-<random>".
const TempInfix = ".dbtls-tmp-"

// RemoveStaleTemps removes the temp files of files (".<base>.dbtls-tmp-*") that a writer killed
// between creating and renaming one left in their directories; for a key, such a file is a full
// copy of it. Each directory is listed once. Call it only where no other writer of these files can
// be at work: under the file's lock (neo4j.conf), or for files a single resource writes (a policy's
// key and certificates), whose applies Terraform serialises.
func RemoveStaleTemps(ctx context.Context, h host.Host, files []string) {
	prefixes := map[string][]string{}
	for _, f := range files {
		dir, base := posix.Split(f)
		dir = posix.Clean(dir)
		prefixes[dir] = append(prefixes[dir], "."+base+TempInfix)
	}
	for dir, ps := range prefixes {
		names, err := h.ReadDir(ctx, dir)
		if err != nil {
			continue
		}
		for _, n := range names {
			for _, p := range ps {
				if strings.HasPrefix(n, p) {
					_ = h.Remove(ctx, posix.Join(dir, n))
					break
				}
			}
		}
	}
}

// RemoveStaleTempsIn removes every temp file host.WriteFile may have left in dir, whatever file it
// was for: for a directory about to be removed, whose files are all gone.
func RemoveStaleTempsIn(ctx context.Context, h host.Host, dir string) {
	names, err := h.ReadDir(ctx, dir)
	if err != nil {
		return
	}
	for _, n := range names {
		if strings.HasPrefix(n, ".") && strings.Contains(n, TempInfix) {
			_ = h.Remove(ctx, posix.Join(dir, n))
		}
	}
}
