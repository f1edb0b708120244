package app_test

import (
	"bufio"
	"go/build"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// The dependency rule of internal/ (docs/architecture.md): the areas are
// peers, so no area imports another (an area's HTTP package imports its own
// area and the pipeline, never another area or its HTTP); the pipeline
// imports no area; and the import graph is at most maxDepth levels deep,
// internal/cad being level 1. What several areas share belongs in cad; an
// area that needs another declares a small interface, which internal/app
// wires.

// maxDepth is the deepest the import graph of internal/ may be.
const maxDepth = 6

// areas are the top-level packages of internal/ that are areas; each
// area's packages are the area and the packages under it (authhttp).
var areas = map[string]bool{"auth": true, "community": true, "civil": true, "dispatch": true, "realtime": true, "discord": true}

func TestDependencyRule(t *testing.T) {
	root, module := moduleRoot(t)
	imports := internalImports(t, root, module)
	if len(imports) < 20 {
		t.Fatalf("found only %d packages under internal/: the walk is wrong", len(imports))
	}

	area := func(pkg string) string {
		first, _, _ := strings.Cut(strings.TrimPrefix(pkg, "internal/"), "/")
		if areas[first] {
			return first
		}
		return ""
	}
	for pkg, deps := range imports {
		for _, dep := range deps {
			if a, b := area(pkg), area(dep); a != "" && b != "" && a != b {
				t.Errorf("%s imports %s: an area imports another area (declare an interface and wire it in internal/app)", pkg, dep)
			}
			if pkg == "internal/httpx" && area(dep) != "" {
				t.Errorf("internal/httpx imports %s: the pipeline imports no area", dep)
			}
		}
	}

	level := map[string]int{}
	var levelOf func(pkg string, path []string) int
	levelOf = func(pkg string, path []string) int {
		if l, ok := level[pkg]; ok {
			if l == 0 {
				t.Fatalf("import cycle: %s", strings.Join(append(path, pkg), " -> "))
			}
			return l
		}
		level[pkg] = 0 // visiting
		l := 1
		for _, dep := range imports[pkg] {
			l = max(l, levelOf(dep, append(path, pkg))+1)
		}
		level[pkg] = l
		return l
	}
	pkgs := make([]string, 0, len(imports))
	for pkg := range imports {
		pkgs = append(pkgs, pkg)
	}
	sort.Strings(pkgs)
	depth, deepest := 0, ""
	for _, pkg := range pkgs {
		if l := levelOf(pkg, nil); l > depth {
			depth, deepest = l, pkg
		}
	}
	if level["internal/cad"] != 1 {
		t.Errorf("internal/cad is at level %d: the domain package imports nothing of internal/", level["internal/cad"])
	}
	t.Logf("the import graph of internal/ is %d levels deep (at most %d), deepest at %s", depth, maxDepth, deepest)
	for l := 1; l <= depth; l++ {
		var at []string
		for _, pkg := range pkgs {
			if level[pkg] == l {
				at = append(at, strings.TrimPrefix(pkg, "internal/"))
			}
		}
		t.Logf("  level %d: %s", l, strings.Join(at, ", "))
	}
	if depth > maxDepth {
		t.Errorf("the import graph of internal/ is %d levels deep, more than %d", depth, maxDepth)
	}
}

// moduleRoot is the directory of go.mod above this package, and the module
// path it declares.
func moduleRoot(t *testing.T) (dir, module string) {
	t.Helper()
	dir, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(dir, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if m, ok := strings.CutPrefix(sc.Text(), "module "); ok {
			return dir, strings.TrimSpace(m)
		}
	}
	t.Fatal("go.mod declares no module")
	return "", ""
}

// internalImports is every package under internal/ with the packages of
// internal/ its non-test files import, by their path from the module
// root ("internal/cad").
func internalImports(t *testing.T, root, module string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	err := filepath.WalkDir(filepath.Join(root, "internal"), func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		if name := d.Name(); name == "testdata" || name == "node_modules" || strings.HasPrefix(name, ".") {
			return filepath.SkipDir
		}
		p, err := build.Default.ImportDir(path, 0)
		if err != nil {
			if _, ok := err.(*build.NoGoError); ok {
				return nil
			}
			return err
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		pkg := filepath.ToSlash(rel)
		out[pkg] = []string{}
		for _, imp := range p.Imports {
			if dep, ok := strings.CutPrefix(imp, module+"/"); ok && strings.HasPrefix(dep, "internal/") {
				out[pkg] = append(out[pkg], dep)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
