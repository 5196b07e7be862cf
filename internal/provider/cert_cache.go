package provider

import (
	"context"
	"sync"

	"github.com/dbtls/terraform-provider-dbtls/internal/host"
)

// certCache keeps, for one provider process (one plan or one apply), the public certificates that
// dbtls_policy_certificate resources read from their hosts while refreshing, so that a later check
// of the same file in the same run (a binding's judgement of the certificate's extended key usage)
// costs one lstat instead of a whole read: over SSH one round trip instead of three. An entry is
// used only while a fresh lstat finds the file as it was read (the same type, size, modification
// time, mode, owner and inode), as the parse cache of neo4j.conf does; otherwise the file is read
// again. Only public certificates are kept, never a key. Keys are the host's ID and the path: hosts
// with one ID are one machine and account. It is safe for concurrent use; the zero value is empty.
type certCache struct {
	m sync.Map // host ID + "\x00" + path -> certCacheEntry
}

type certCacheEntry struct {
	info host.Info
	data []byte
}

func certCacheKey(h host.Host, p string) string { return h.ID() + "\x00" + p }

// put records data as the content of p on h, found as info just before it was read. data is kept
// as it is: the caller hands over a copy of its own.
func (c *certCache) put(h host.Host, p string, info host.Info, data []byte) {
	if c == nil || !info.Exists || info.IsSymlink || info.IsDir {
		return
	}
	c.m.Store(certCacheKey(h, p), certCacheEntry{info: info, data: data})
}

// forget drops what is kept for p on h (a resource is about to write or remove it).
func (c *certCache) forget(h host.Host, p string) {
	if c != nil {
		c.m.Delete(certCacheKey(h, p))
	}
}

// readFile returns what h.ReadFile(p) returns, from the cache when a fresh lstat finds p unchanged
// since it was put there. The returned bytes are shared: the caller must not change them.
func (c *certCache) readFile(ctx context.Context, h host.Host, p string) ([]byte, error) {
	if c != nil {
		if v, ok := c.m.Load(certCacheKey(h, p)); ok {
			e := v.(certCacheEntry)
			if info, err := h.Lstat(ctx, p); err == nil && sameCertFile(info, e.info) {
				return e.data, nil
			}
			c.m.Delete(certCacheKey(h, p))
		}
	}
	return h.ReadFile(ctx, p)
}

// sameCertFile reports whether the lstats a and b found the same regular file, unchanged.
func sameCertFile(a, b host.Info) bool {
	return a.Exists && b.Exists && !a.IsSymlink && !a.IsDir && !b.IsSymlink && !b.IsDir &&
		a.Size == b.Size && a.ModTime.Equal(b.ModTime) && a.Mode == b.Mode && a.UID == b.UID && a.GID == b.GID && a.Ino == b.Ino
}
