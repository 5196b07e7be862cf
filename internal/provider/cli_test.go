package provider

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// Some tests need what terraform-plugin-testing cannot give: a real provider binary that Terraform
// starts itself (so each provider alias is a separate process), and CLI flags such as
// -parallelism, which terraform-exec strips from the environment. They build the provider once per
// test binary and drive the terraform CLI directly through dev_overrides.

var (
	providerBinOnce sync.Once
	providerBinDir  string
	providerBinErr  error
)

// providerBinary builds the provider into a temporary directory once per test run.
func providerBinary(t *testing.T) string {
	t.Helper()
	providerBinOnce.Do(func() {
		dir, err := os.MkdirTemp("", "dbtls-provider-bin-")
		if err != nil {
			providerBinErr = err
			return
		}
		_, file, _, _ := runtime.Caller(0)
		root := filepath.Join(filepath.Dir(file), "..", "..")
		cmd := exec.Command("go", "build", "-o", filepath.Join(dir, "terraform-provider-dbtls"), ".")
		cmd.Dir = root
		out, err := cmd.CombinedOutput()
		if err != nil {
			providerBinErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
		providerBinDir = dir
	})
	if providerBinErr != nil {
		t.Fatal(providerBinErr)
	}
	return providerBinDir
}

// tfCLI runs terraform in a working directory with a CLI config that points dbtls at the freshly
// built binary.
type tfCLI struct {
	t   *testing.T
	dir string
	env []string
}

func newTFCLI(t *testing.T, config string) *tfCLI {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1")
	}
	bin := providerBinary(t)
	dir := t.TempDir()
	rc := filepath.Join(dir, "terraformrc")
	must(t, os.WriteFile(rc, []byte(fmt.Sprintf("provider_installation {\n  dev_overrides {\n    \"dbtls/dbtls\" = %q\n  }\n  direct {}\n}\n", bin)), 0o600))
	must(t, os.WriteFile(filepath.Join(dir, "main.tf"), []byte(config), 0o600))
	var env []string
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "TF_CLI_CONFIG_FILE=") && !strings.HasPrefix(e, "TF_CLI_ARGS") && !strings.HasPrefix(e, "TF_REATTACH") {
			env = append(env, e)
		}
	}
	env = append(env, "TF_CLI_CONFIG_FILE="+rc, "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1")
	return &tfCLI{t: t, dir: dir, env: env}
}

// run runs terraform with args and returns its exit code and combined output.
func (c *tfCLI) run(args ...string) (int, string) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if len(args) > 0 && args[0] != "version" && args[0] != "state" {
		args = append([]string{args[0], "-no-color"}, args[1:]...)
	}
	cmd := exec.CommandContext(ctx, "terraform", args...)
	cmd.Dir = c.dir
	cmd.Env = c.env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode(), out.String()
	}
	if err != nil {
		c.t.Fatalf("terraform %v: %v", args, err)
	}
	return 0, out.String()
}

// mustRun runs terraform and fails the test on a non-zero exit.
func (c *tfCLI) mustRun(args ...string) string {
	c.t.Helper()
	code, out := c.run(args...)
	if code != 0 {
		c.t.Fatalf("terraform %s exited %d:\n%s", strings.Join(args, " "), code, out)
	}
	return out
}
