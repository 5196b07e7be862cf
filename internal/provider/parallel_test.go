package provider

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// 84 resources write managed blocks into one neo4j.conf at -parallelism=40, through two provider
// configurations; with a real provider binary Terraform starts one provider process per
// configuration, so the lock is exercised across goroutines and across processes. Every block must be
// there exactly once and every foreign byte unchanged; destroy must give back the original bytes.
func TestAccParallelApplyOneConfFile(t *testing.T) {
	t.Parallel()
	home := newHome(t, crlf(realisticConf))
	conf := filepath.Join(home, "conf", "neo4j.conf")
	original, err := os.ReadFile(conf)
	must(t, err)
	cfg := fmt.Sprintf(`
terraform {
  required_providers {
    dbtls = { source = "dbtls/dbtls" }
  }
}
provider "dbtls" {
  neo4j_version = "3.5"
  neo4j_home    = %[1]q
}
provider "dbtls" {
  alias         = "second"
  neo4j_version = "3.5"
  neo4j_home    = %[1]q
}
resource "dbtls_ssl_policy" "first" {
  count       = 40
  name        = "first_${count.index}"
  client_auth = "NONE" # Neo4j 3.5's Bolt and HTTPS servers need it
}
resource "dbtls_ssl_policy" "second" {
  provider = dbtls.second
  count    = 40
  name     = "second_${count.index}"
}
resource "dbtls_channel_binding" "bolt" {
  channel = "bolt"
  policy  = dbtls_ssl_policy.first[0].settings
}
resource "dbtls_channel_binding" "https" {
  channel = "https"
  policy  = dbtls_ssl_policy.first[1].settings
}
resource "dbtls_channel_binding" "cluster" {
  provider = dbtls.second
  channel  = "cluster"
  policy   = dbtls_ssl_policy.second[0].settings
}
resource "dbtls_channel_binding" "backup" {
  provider = dbtls.second
  channel  = "backup"
  policy   = dbtls_ssl_policy.second[1].settings
}
`, home)
	tf := newTFCLI(t, cfg)
	tf.mustRun("apply", "-auto-approve", "-parallelism=40")

	got, err := os.ReadFile(conf)
	must(t, err)
	var want []string
	for i := 0; i < 40; i++ {
		want = append(want, fmt.Sprintf("dbtls_ssl_policy first_%d", i), fmt.Sprintf("dbtls_ssl_policy second_%d", i))
	}
	want = append(want, "dbtls_channel_binding bolt", "dbtls_channel_binding https", "dbtls_channel_binding cluster", "dbtls_channel_binding backup")
	for _, id := range want {
		if n := strings.Count(string(got), "# BEGIN dbtls managed block: "+id+"\r\n"); n != 1 {
			t.Errorf("block %q present %d times, want once", id, n)
		}
	}
	if n := strings.Count(string(got), "# BEGIN dbtls managed block:"); n != len(want) {
		t.Errorf("%d blocks in the file, want %d", n, len(want))
	}
	if err := checkBytesOutsideBlocks(conf, original)(nil); err != nil {
		t.Error(err)
	}
	if strings.Count(string(got), "\n") != strings.Count(string(got), "\r\n") {
		t.Error("a block was written with LF into a CRLF file")
	}
	assertNoTempFiles(t, filepath.Dir(conf))

	if code, out := tf.run("plan", "-detailed-exitcode", "-parallelism=40"); code != 0 {
		t.Fatalf("plan after apply is not empty (exit %d):\n%s", code, out)
	}
	tf.mustRun("destroy", "-auto-approve", "-parallelism=40")
	if err := checkFileEquals(conf, original)(nil); err != nil {
		t.Error(err)
	}
	assertNoTempFiles(t, filepath.Dir(conf))
}

func assertNoTempFiles(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	must(t, err)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".dbtls-tmp-") {
			t.Errorf("temp file left behind: %s", filepath.Join(dir, e.Name()))
		}
	}
}
