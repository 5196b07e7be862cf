package pki

import "fmt"

// Input caps. A certificate chain, a key or a trust bundle is a few kilobytes (the whole Mozilla root
// store is about 220 KiB as PEM), so 1 MiB per value leaves room for any real input while keeping a
// mistaken file (a disk image, /dev/zero, a 30 MB paste) from costing minutes and gigabytes. CRLs of
// large public CAs run to megabytes, so they get more.
const (
	// MaxPEMSize caps one PEM value: a certificate chain, a private key, a trusted-certificates bundle.
	MaxPEMSize = 1 << 20
	// MaxCRLPEMSize caps one value of certificate revocation lists.
	MaxCRLPEMSize = 16 << 20
)

// TooLargeError is an input over its cap. It never quotes the input.
type TooLargeError struct {
	Size int64 // the input's size
	Max  int64
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("%d bytes, over the cap of %s", e.Size, HumanSize(e.Max))
}

// CheckSize returns a *TooLargeError when n exceeds max.
func CheckSize(n, max int64) error {
	if n > max {
		return &TooLargeError{Size: n, Max: max}
	}
	return nil
}

// HumanSize writes a cap for people: "1 MiB (1048576 bytes)".
func HumanSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB (%d bytes)", n>>20, n)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB (%d bytes)", n>>10, n)
	}
	return fmt.Sprintf("%d bytes", n)
}
