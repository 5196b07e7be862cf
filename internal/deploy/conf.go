package deploy

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	posix "path"
	"strconv"
	"strings"
	"sync"
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
// use); writes through Edit refresh it.
type ConfStore struct {
	// Log, when set, receives a line per edit (host, file, bytes, duration).
	Log Logger

	mu      sync.Mutex
	entries map[string]*confEntry
}

type confEntry struct {
	mu   sync.Mutex
	info host.Info
	conf *neo4j.Conf
}

// NewConfStore returns an empty store.
func NewConfStore() *ConfStore { return &ConfStore{entries: map[string]*confEntry{}} }

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
	if e.conf != nil && sameFile(e.info, info) {
		return e.conf, info, nil
	}
	data, err := h.ReadFile(ctx, file)
	if err != nil {
		return nil, info, err
	}
	conf, err := neo4j.ParseConf(data)
	if err != nil {
		return nil, info, fmt.Errorf("%s: %w", file, err)
	}
	e.info, e.conf = info, conf
	return conf, info, nil
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
func (c *ConfStore) Edit(ctx context.Context, h host.Host, file, holder string, edit func(*neo4j.Conf) ([]byte, error)) error {
	start := time.Now()
	lock, err := h.Lock(ctx, file, holder, ConfLockTimeout)
	if err != nil {
		return err
	}
	defer func() { _ = lock.Unlock() }()
	debug(ctx, c.Log, "neo4j.conf locked", map[string]any{"host": h.ID(), "file": file, "lock_wait": since(start)})

	// A writer killed between creating its temp file and renaming it leaves the temp file behind.
	// Every writer of this file holds the lock while its temp file exists, so under the lock any
	// such file is stale.
	RemoveStaleTemps(ctx, h, []string{file})

	c.Forget(h, file)
	conf, info, err := c.Load(ctx, h, file)
	if err != nil {
		return err
	}
	out, err := edit(conf)
	if err != nil {
		return err
	}
	if bytes.Equal(out, conf.Bytes()) {
		debug(ctx, c.Log, "neo4j.conf unchanged", map[string]any{"host": h.ID(), "file": file, "duration": since(start)})
		return nil
	}
	owner := host.Owner{User: strconv.Itoa(info.UID), Group: strconv.Itoa(info.GID)}
	if err := h.WriteFile(ctx, file, out, info.Mode, owner); err != nil {
		return err
	}
	c.Forget(h, file)
	debug(ctx, c.Log, "neo4j.conf written", map[string]any{"host": h.ID(), "file": file, "bytes": len(out), "duration": since(start)})
	return nil
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
