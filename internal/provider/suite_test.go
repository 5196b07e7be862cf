package provider

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// The acceptance tests of this package spend nearly all their time waiting on subprocesses (terraform,
// sshd, PostgreSQL, openssl), so they run in parallel (`make test` passes -parallel TEST_PARALLEL). Each
// has its own NEO4J_HOME under t.TempDir(); what they share is started once and never changed by a
// test: the package's sshd (testenv.SharedSSHD), the PostgreSQL set-ups (sharedEndpointServer) and the
// provider binary (providerBinary). A test that would change what the process shares (its environment,
// working directory, a shared server) cannot run beside the others: the subprocess it starts gets its
// own environment instead (tfCLI.env).

// parallelCalls are the calls by which a test runs in parallel: t.Parallel itself, or a helper that
// calls it.
var parallelCalls = map[string]bool{
	"t.Parallel":            true,
	"resource.ParallelTest": true, // terraform-plugin-testing: t.Parallel, then resource.Test
	"endpointAccParallel":   true,
}

// processStateCalls change what every test of the process sees; t.Setenv and t.Chdir also panic in a
// parallel test.
var processStateCalls = map[string]bool{
	"os.Setenv": true, "os.Unsetenv": true, "os.Clearenv": true, "os.Chdir": true,
	"t.Setenv": true, "t.Chdir": true,
}

// Every top-level acceptance test of the package (TestAcc*) runs in parallel: it calls one of
// parallelCalls in its own body (not only in a subtest, which would leave the test itself in the
// serial chain that runs before any parallel test starts). No test changes process-wide state.
func TestSuiteRunsInParallel(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("*_test.go")
	must(t, err)
	fset := token.NewFileSet()
	var serial, shared []string
	for _, name := range files {
		f, err := parser.ParseFile(fset, name, nil, 0)
		must(t, err)
		for _, decl := range f.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || fn.Body == nil {
				continue
			}
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				if call, ok := n.(*ast.CallExpr); ok && processStateCalls[callName(call)] {
					shared = append(shared, fset.Position(call.Pos()).String()+": "+callName(call))
				}
				return true
			})
			if fn.Recv != nil || !strings.HasPrefix(fn.Name.Name, "TestAcc") {
				continue
			}
			parallel := false
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.FuncLit:
					return false // a subtest's body, or a check run later
				case *ast.CallExpr:
					if parallelCalls[callName(n)] {
						parallel = true
					}
				}
				return !parallel
			})
			if !parallel {
				serial = append(serial, fset.Position(fn.Pos()).String()+": "+fn.Name.Name)
			}
		}
	}
	sort.Strings(serial)
	for _, s := range serial {
		t.Errorf("%s does not call t.Parallel() in its own body: every other test waits for it (see suite_test.go)", s)
	}
	for _, s := range shared {
		t.Errorf("%s changes what every test of the process sees, and the tests run in parallel: pass it to the subprocess instead (cmd.Env)", s)
	}
}

// callName is "pkg.Func", "recv.Method" or "Func" for a call of an identifier or a selector on one.
func callName(call *ast.CallExpr) string {
	switch fun := call.Fun.(type) {
	case *ast.Ident:
		return fun.Name
	case *ast.SelectorExpr:
		if x, ok := fun.X.(*ast.Ident); ok {
			return x.Name + "." + fun.Sel.Name
		}
	}
	return ""
}
