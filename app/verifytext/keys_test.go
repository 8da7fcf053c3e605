package verifytext

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// sourceKeys returns the format keys of signing/verify: the string
// literals its non-test files pass first to tf, allow and deny.
func sourceKeys(t *testing.T) []string {
	t.Helper()
	return formatKeys(t, "signing/verify", "tf", "allow", "deny")
}

// trustListKeys returns the format keys of signing/trustlist: the string
// literals its non-test files pass first to note.
func trustListKeys(t *testing.T) []string {
	t.Helper()
	return formatKeys(t, "signing/trustlist", "note")
}

// formatKeys returns the string literals that the non-test files of the
// package in dir (relative to the module root) pass first to the
// functions fns. A format that is not a literal cannot be checked, so it
// is an error, except the parameter that allow and deny hand on to tf.
func formatKeys(t *testing.T, dir string, fns ...string) []string {
	t.Helper()
	files, err := filepath.Glob("../../" + dir + "/*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("%s sources: %v (%d files)", dir, err, len(files))
	}
	seen := map[string]bool{}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatalf("parse %s: %v", name, err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) == 0 {
				return true
			}
			var fn string
			switch f := call.Fun.(type) {
			case *ast.Ident:
				fn = f.Name
			case *ast.SelectorExpr:
				fn = f.Sel.Name
			}
			if !slices.Contains(fns, fn) {
				return true
			}
			lit, ok := call.Args[0].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				// allow and deny hand their literal format on.
				if id, isID := call.Args[0].(*ast.Ident); fn != "allow" && fn != "deny" && !(fn == "tf" && isID && id.Name == "format") {
					t.Errorf("%s: %s with a format that is not a string literal", fset.Position(call.Pos()), fn)
				}
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil {
				t.Fatalf("%s: %v", fset.Position(lit.Pos()), err)
			}
			seen[s] = true
			return true
		})
	}
	keys := make([]string, 0, len(seen))
	for k := range seen {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
