//go:build !unix

package probe

import "os"

// keyFileTooOpen: libpq checks a client key file's permissions on Unix only (Windows has no mode bits to
// check), so neither does the probe.
func keyFileTooOpen(os.FileInfo) bool { return false }
