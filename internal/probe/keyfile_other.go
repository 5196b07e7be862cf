//go:build !unix

package probe

import "os"

// keyFileTooOpen: libpq checks a client key file's permissions on Unix only (Windows has no mode bits to
// check), so neither does the probe.
func keyFileTooOpen(os.FileInfo) bool { return false }

// openNoBlock opens path for reading; the caller refuses anything but a regular file.
func openNoBlock(path string) (*os.File, error) { return os.Open(path) }
