package probe

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"

	"github.com/dbtls/terraform-provider-dbtls/internal/pki"
)

// The files a connection string names (sslrootcert, sslcrl, the files of sslcrldir, sslcert, sslkey, and
// their defaults under ~/.postgresql) are read with three guards, so that a mistaken or hostile path
// cannot stall or exhaust the provider: the file must be a regular file (a FIFO, a device such as
// /dev/zero, a socket or a directory is refused by its type, before a byte is read; the open does not
// block on a FIFO without a writer), it is read up to a cap, and the read runs under the probe's
// deadline.
const (
	// maxInputFile caps a certificate or key file, as pki.MaxPEMSize caps a PEM attribute.
	maxInputFile = pki.MaxPEMSize
	// maxCRLFile caps a CRL file (those of large CAs run to megabytes).
	maxCRLFile = pki.MaxCRLPEMSize
)

// InputFileError is a file the probe refused to read (not a regular file, too large, or not read
// within the deadline). It never quotes the file's content.
type InputFileError struct {
	Path string
	Msg  string
}

// Error is the complaint without the path, since callers name the file in their own words.
func (e *InputFileError) Error() string { return e.Msg }

// readInputFile reads path as described above. A missing file is an error that satisfies
// errors.Is(err, fs.ErrNotExist).
func readInputFile(ctx context.Context, path string, max int64) ([]byte, error) {
	type result struct {
		data []byte
		err  error
	}
	done := make(chan result, 1)
	go func() {
		data, err := readRegularFile(path, max)
		done <- result{data, err}
	}()
	select {
	case r := <-done:
		return r.data, r.err
	case <-ctx.Done():
		return nil, &InputFileError{Path: path, Msg: "could not be read before the probe's timeout (a hung network file system?)"}
	}
}

// maxCRLDirEntries caps the entries of an sslcrldir that are looked at.
const maxCRLDirEntries = 10000

// readInputDir lists a directory (sslcrldir) under the same guards: it must be a directory (a FIFO
// there is refused without waiting for a writer), at most maxCRLDirEntries entries are listed, sorted
// by name, and the listing runs under the probe's deadline.
func readInputDir(ctx context.Context, path string) ([]fs.DirEntry, error) {
	type result struct {
		entries []fs.DirEntry
		err     error
	}
	done := make(chan result, 1)
	go func() {
		f, err := openNoBlock(path)
		if err != nil {
			done <- result{err: err}
			return
		}
		defer f.Close()
		fi, err := f.Stat()
		switch {
		case err != nil:
			done <- result{err: err}
			return
		case !fi.IsDir():
			done <- result{err: &InputFileError{Path: path, Msg: "is not a directory (it is " + fileKind(fi.Mode()) + ")"}}
			return
		}
		entries, err := f.ReadDir(maxCRLDirEntries)
		if errors.Is(err, io.EOF) {
			err = nil
		}
		slices.SortFunc(entries, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
		done <- result{entries, err}
	}()
	select {
	case r := <-done:
		return r.entries, r.err
	case <-ctx.Done():
		return nil, &InputFileError{Path: path, Msg: "could not be listed before the probe's timeout (a hung network file system?)"}
	}
}

func readRegularFile(path string, max int64) ([]byte, error) {
	f, err := openNoBlock(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, &InputFileError{Path: path, Msg: "is not a regular file (it is " + fileKind(fi.Mode()) + "); name a PEM file"}
	}
	if fi.Size() > max {
		return nil, &InputFileError{Path: path, Msg: fmt.Sprintf("is %d bytes, over the cap of %s; name the PEM file itself", fi.Size(), pki.HumanSize(max))}
	}
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max { // it grew while being read
		return nil, &InputFileError{Path: path, Msg: fmt.Sprintf("is over the cap of %s; name the PEM file itself", pki.HumanSize(max))}
	}
	return data, nil
}

func fileKind(m fs.FileMode) string {
	switch {
	case m.IsRegular():
		return "a regular file"
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	case m&fs.ModeSocket != 0:
		return "a socket"
	}
	return "not a plain file"
}

// checkInputFiles refuses, before any connection, a connection string whose file parameters name
// something that exists but cannot be a certificate, key or CRL file: not a regular file, or over its
// cap (and an sslcrldir that is not a directory). It only stats (which never blocks on a FIFO); a missing file is left to libpq's rules (a
// missing sslcert is fine, a missing sslrootcert fails verify-ca and verify-full).
func checkInputFiles(t *Target) error {
	if t.Kind != KindPostgres {
		return nil
	}
	for _, p := range []struct {
		name, path string
		max        int64
	}{{"sslrootcert", t.SSLRootCert, maxInputFile}, {"sslcert", t.SSLCert, maxInputFile}, {"sslkey", t.SSLKey, maxInputFile}, {"sslcrl", t.SSLCRL, maxCRLFile}, {"sslcrldir", t.SSLCRLDir, 0}} {
		if p.path == "" || (p.name == "sslrootcert" && t.SystemTrustStore()) {
			continue
		}
		fi, err := os.Stat(p.path)
		if err != nil {
			continue
		}
		switch {
		case p.name == "sslcrldir" && !fi.IsDir():
			return &InputError{Field: "url", Msg: fmt.Sprintf("sslcrldir=%s is not a directory (it is %s). Name the directory of CRL files", p.path, fileKind(fi.Mode()))}
		case p.name == "sslcrldir": // a directory, as it should be; its files are checked as they are read
		case !fi.Mode().IsRegular():
			return &InputError{Field: "url", Msg: fmt.Sprintf("%s=%s is not a regular file (it is %s); the probe reads certificate, key and CRL files only from plain files. Name the PEM file itself",
				p.name, p.path, fileKind(fi.Mode()))}
		case fi.Size() > p.max:
			return &InputError{Field: "url", Msg: fmt.Sprintf("%s=%s is %d bytes, over the cap of %s for that file. Name the PEM file itself",
				p.name, p.path, fi.Size(), pki.HumanSize(p.max))}
		}
	}
	return nil
}
