//go:build !linux

package host

import (
	"context"
	"errors"
	"io/fs"
	"runtime"
	"time"
)

// The local implementation relies on Linux system calls (O_PATH, fchownat, /proc) to keep its
// promises (no symlink followed, mode before content), so elsewhere the provider manages remote
// hosts over SSH only. Every operation of this stand-in fails with ErrLocalUnsupported.

// ErrLocalUnsupported is returned for local targets on systems other than Linux.
var ErrLocalUnsupported = errors.New("local targets are supported on Linux only (this provider runs on " + runtime.GOOS + "); add an ssh block to manage the host over SSH")

// NewLocal returns a host whose every operation fails with ErrLocalUnsupported.
func NewLocal() Host { return unsupportedLocal{} }

type unsupportedLocal struct{}

func (unsupportedLocal) ID() string { return "local" }
func (unsupportedLocal) Lstat(context.Context, string) (Info, error) {
	return Info{}, ErrLocalUnsupported
}
func (unsupportedLocal) ReadFile(context.Context, string) ([]byte, error) {
	return nil, ErrLocalUnsupported
}
func (unsupportedLocal) WriteFile(context.Context, string, []byte, fs.FileMode, Owner) error {
	return ErrLocalUnsupported
}
func (unsupportedLocal) Mkdir(context.Context, string, fs.FileMode, Owner) (bool, error) {
	return false, ErrLocalUnsupported
}
func (unsupportedLocal) SetAttr(context.Context, string, fs.FileMode, Owner) error {
	return ErrLocalUnsupported
}
func (unsupportedLocal) ReadDir(context.Context, string) ([]string, error) {
	return nil, ErrLocalUnsupported
}
func (unsupportedLocal) Remove(context.Context, string) error { return ErrLocalUnsupported }
func (unsupportedLocal) Lock(context.Context, string, string, time.Duration) (Unlocker, error) {
	return nil, ErrLocalUnsupported
}
func (unsupportedLocal) LookupOwner(context.Context, Owner) (int, int, error) {
	return -1, -1, ErrLocalUnsupported
}
