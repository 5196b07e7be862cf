//go:build unix

package probe

import (
	"os"
	"syscall"
)

// keyFileTooOpen is libpq's check of a client key file's permissions: group or world access is refused,
// except that a file owned by root may be group-readable (u=rw,g=r, 0640 or less).
func keyFileTooOpen(fi os.FileInfo) bool {
	perm := fi.Mode().Perm()
	return perm&0o077 != 0 && (!ownedByRoot(fi) || perm&0o037 != 0)
}

func ownedByRoot(fi os.FileInfo) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	return ok && st.Uid == 0
}

// openNoBlock opens path for reading without blocking on a FIFO that has no writer (O_NONBLOCK has no
// effect on a regular file's reads); the caller refuses anything but a regular file.
func openNoBlock(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
}
