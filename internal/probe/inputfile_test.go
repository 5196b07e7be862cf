//go:build unix

package probe

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dbtls/terraform-provider-dbtls/internal/pki/pkitest"
)

// mkfifo makes a FIFO that nobody ever writes to: opening it for reading in the usual (blocking) way
// would wait for ever.
func mkfifo(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "root.crt")
	if err := syscall.Mkfifo(p, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	return p
}

// bigFile makes a sparse file of n bytes (no disk used).
func bigFile(t *testing.T, n int64) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "big.crt")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(n); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return p
}

func TestReadInputFileRefusesByType(t *testing.T) {
	// No deadline at all: the FIFO and the device must be refused by their type, never by waiting.
	ctx := context.Background()
	fifo := mkfifo(t)
	for _, tc := range []struct{ path, kind string }{
		{fifo, "a FIFO"}, {"/dev/zero", "a character device"}, {t.TempDir(), "a directory"},
	} {
		_, err := readInputFile(ctx, tc.path, maxInputFile)
		var ie *InputFileError
		if !errors.As(err, &ie) || !strings.Contains(err.Error(), "not a regular file") || !strings.Contains(err.Error(), tc.kind) {
			t.Errorf("%s: err = %v, want a refusal naming %s", tc.path, err, tc.kind)
		}
	}
	big := bigFile(t, 30<<20)
	if _, err := readInputFile(ctx, big, maxInputFile); err == nil || !strings.Contains(err.Error(), "1 MiB") {
		t.Errorf("30 MB file: err = %v, want the cap named", err)
	}
	if _, err := readInputFile(ctx, filepath.Join(t.TempDir(), "missing"), maxInputFile); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: err = %v, want fs.ErrNotExist", err)
	}
	ok := filepath.Join(t.TempDir(), "ok.crt")
	if err := os.WriteFile(ok, []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	if data, err := readInputFile(ctx, ok, maxInputFile); err != nil || string(data) != "hello" {
		t.Errorf("regular file: %q, %v", data, err)
	}
	// A regular file exactly at the cap is read.
	atCap := bigFile(t, maxInputFile)
	if data, err := readInputFile(ctx, atCap, maxInputFile); err != nil || len(data) != maxInputFile {
		t.Errorf("file at the cap: %d bytes, %v", len(data), err)
	}
}

// TestEndpointFileInputsRefused reproduces the finding: sslrootcert=/dev/zero ran the provider out of
// memory, and a FIFO hung the plan past the timeout. Both are now refused before any connection, as is a
// 30 MB file, and every PEM option over the cap.
func TestEndpointFileInputsRefused(t *testing.T) {
	fifo := mkfifo(t)
	big := bigFile(t, 30<<20)
	for _, tc := range []struct {
		name, param, path, want string
	}{
		{"dev zero as sslrootcert", "sslrootcert", "/dev/zero", "sslrootcert=/dev/zero is not a regular file (it is a character device)"},
		{"FIFO as sslrootcert", "sslrootcert", fifo, "is not a regular file (it is a FIFO)"},
		{"FIFO as sslcert", "sslcert", fifo, "sslcert="},
		{"FIFO as sslkey", "sslkey", fifo, "sslkey="},
		{"FIFO as sslcrl", "sslcrl", fifo, "sslcrl="},
		{"30 MB sslrootcert", "sslrootcert", big, "over the cap of 1 MiB"},
		{"FIFO as sslcrldir", "sslcrldir", fifo, "is not a directory (it is a FIFO)"},
		{"file as sslcrldir", "sslcrldir", big, "is not a directory (it is a regular file)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			target, err := ParseURL("postgresql://app@127.0.0.1:1/db?sslmode=verify-full&" + tc.param + "=" + tc.path)
			if err != nil {
				t.Fatal(err)
			}
			err = Prepare(Options{Target: target, Timeout: time.Hour})
			var ie *InputError
			if !errors.As(err, &ie) || ie.Field != "url" || !strings.Contains(ie.Msg, tc.want) {
				t.Fatalf("Prepare = %v, want an InputError on url containing %q", err, tc.want)
			}
			// Run refuses the same way, without connecting and without waiting for its (hour-long) timeout.
			if _, err := Run(context.Background(), Options{Target: target, Timeout: time.Hour}); !errors.As(err, &ie) {
				t.Fatalf("Run = %v, want the InputError", err)
			}
		})
	}

	t.Run("PEM options over the cap", func(t *testing.T) {
		target, err := ParseURL("neo4j+s://127.0.0.1:1")
		if err != nil {
			t.Fatal(err)
		}
		huge := strings.Repeat("A", 30<<20)
		for _, o := range []Options{
			{Target: target, CACertificatesPEM: huge},
			{Target: target, ClientCertificatePEM: huge, ClientKeyPEM: "x"},
			{Target: target, ClientCertificatePEM: "x", ClientKeyPEM: huge},
		} {
			err := Prepare(o)
			var ie *InputError
			if !errors.As(err, &ie) || !strings.HasSuffix(ie.Field, "_pem") || !strings.Contains(ie.Msg, "1 MiB") {
				t.Errorf("Prepare = %v, want an InputError naming the PEM field and the cap", err)
			}
		}
	})
}

// TestLibpqFilesSwappedForFIFO: a file that is regular when prepare looks and a FIFO when the probe
// reads it (or a FIFO under ~/.postgresql, which prepare does not look at) is refused by the read
// itself, at once.
func TestLibpqFilesSwappedForFIFO(t *testing.T) {
	home := t.TempDir()
	if err := os.MkdirAll(filepath.Join(home, ".postgresql"), 0o700); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"root.crt", "postgresql.crt", "root.crl"} {
		if err := syscall.Mkfifo(filepath.Join(home, ".postgresql", name), 0o600); err != nil {
			t.Skipf("mkfifo: %v", err)
		}
	}
	target, err := ParseURL("postgresql://app@127.0.0.1:1/db?sslmode=require")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	rf := loadRootFile(ctx, "", home)
	if !rf.exists || rf.err == nil || !strings.Contains(rf.err.Error(), "not a regular file") {
		t.Errorf("root.crt FIFO: %+v", rf)
	}
	if cs := loadCRLs(ctx, "", "", home); cs.enabled || len(cs.crls) != 0 {
		t.Errorf("root.crl FIFO: %+v", cs)
	}
	// An sslcrldir that became a FIFO: listed without waiting for a writer, and nothing is loaded.
	if cs := loadCRLs(ctx, "", filepath.Join(home, ".postgresql", "root.crl"), home); len(cs.crls) != 0 {
		t.Errorf("sslcrldir FIFO: %+v", cs)
	}
	if _, err := readInputDir(ctx, filepath.Join(home, ".postgresql", "root.crl")); err == nil || !strings.Contains(err.Error(), "not a directory (it is a FIFO)") {
		t.Errorf("readInputDir on a FIFO: %v", err)
	}
	if entries, err := readInputDir(ctx, filepath.Join(home, ".postgresql")); err != nil || len(entries) != 3 || entries[0].Name() != "postgresql.crt" {
		t.Errorf("readInputDir on a directory: %v, %v", entries, err)
	}
	if _, err := loadLibpqClientCert(ctx, target, home); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("postgresql.crt FIFO: %v", err)
	}
}

// TestReadInputFileCA: a real CA file is read whole and parses.
func TestReadInputFileCA(t *testing.T) {
	ca := pkitest.NewCA(t, "input CA")
	p := filepath.Join(t.TempDir(), "ca.crt")
	if err := os.WriteFile(p, []byte(ca.CertPEM), 0o644); err != nil {
		t.Fatal(err)
	}
	data, err := readInputFile(context.Background(), p, maxInputFile)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := parseCertificates(data); err != nil {
		t.Errorf("the CA file read back does not parse: %v", err)
	}
}
