// Command shape prints the figures that say how the code is shaped: the
// type with the most methods, the interface with the most methods
// (embedded ones counted), and the longest functions, over the module's
// non-test Go files. Run it from the module root: go run ./bench/shape
package main

import (
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

type count struct {
	name string
	n    int
}

func main() {
	top := flag.Int("top", 3, "how many of each to list")
	flag.Parse()
	fset := token.NewFileSet()
	methods := map[string]int{}
	ifaces := map[string]*ast.InterfaceType{} // pkg.Name -> type
	var funcs []count
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || d.Name() == "vendor") && path != "." {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		pkg := filepath.Dir(path)
		for _, decl := range f.Decls {
			switch d := decl.(type) {
			case *ast.FuncDecl:
				lines := fset.Position(d.End()).Line - fset.Position(d.Pos()).Line + 1
				name := d.Name.Name
				if d.Recv != nil && len(d.Recv.List) == 1 {
					recv := typeName(d.Recv.List[0].Type)
					methods[pkg+"."+recv]++
					name = recv + "." + name
				}
				funcs = append(funcs, count{pkg + "." + name, lines})
			case *ast.GenDecl:
				for _, s := range d.Specs {
					if ts, ok := s.(*ast.TypeSpec); ok {
						if it, ok := ts.Type.(*ast.InterfaceType); ok {
							ifaces[pkg+"."+ts.Name.Name] = it
						}
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "shape:", err)
		os.Exit(1)
	}
	var types, ifs []count
	for k, n := range methods {
		types = append(types, count{k, n})
	}
	for k := range ifaces {
		pkg := k[:strings.LastIndex(k, ".")]
		ifs = append(ifs, count{k, size(ifaces, pkg, ifaces[k], 0)})
	}
	print("methods on one type", types, *top)
	print("methods in one interface (embedded counted)", ifs, *top)
	print("lines in one function", funcs, *top)
}

// size counts an interface's methods, following embedded interfaces of
// the same package.
func size(all map[string]*ast.InterfaceType, pkg string, it *ast.InterfaceType, depth int) int {
	n := 0
	for _, m := range it.Methods.List {
		if _, ok := m.Type.(*ast.FuncType); ok {
			n += len(m.Names)
			continue
		}
		if depth < 8 {
			if emb, ok := all[pkg+"."+typeName(m.Type)]; ok {
				n += size(all, pkg, emb, depth+1)
			}
		}
	}
	return n
}

func typeName(e ast.Expr) string {
	switch t := e.(type) {
	case *ast.StarExpr:
		return typeName(t.X)
	case *ast.Ident:
		return t.Name
	case *ast.IndexExpr:
		return typeName(t.X)
	case *ast.SelectorExpr:
		return t.Sel.Name
	}
	return "?"
}

func print(what string, cs []count, top int) {
	sort.Slice(cs, func(i, j int) bool {
		if cs[i].n != cs[j].n {
			return cs[i].n > cs[j].n
		}
		return cs[i].name < cs[j].name
	})
	fmt.Printf("%s:\n", what)
	for _, c := range cs[:min(top, len(cs))] {
		fmt.Printf("  %4d  %s\n", c.n, c.name)
	}
}
