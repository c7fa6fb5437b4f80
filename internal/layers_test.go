// Package internal_test checks the shape of accord's packages: that no
// lower layer imports a higher one, that the public packages stand alone,
// and that no interface exists only to break an import cycle
// (docs/architecture.md).
package internal_test

import (
	"encoding/json"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// layers lists every package of the module from the bottom up, as
// docs/architecture.md draws them: a package may import only packages
// listed before it. A new package goes in this list, in its layer.
var layers = [][]string{
	{"entry", "entry/body", "escrow/internal/indep", "escrow", "evidence", "draw"}, // public formats and their offline checks
	{"internal/durable", "internal/notetest", "internal/i18n", "internal/pgtest"},  // support
	{"internal/treaty", "internal/confidence", "internal/declaration", "internal/engine", "internal/scenario", "internal/sim"},
	{"internal/evidencedir", "internal/ledger", "internal/witness", "internal/peer", "internal/node"},
	{"internal/registry", "internal/factsheet"},
	{"internal/office"},
	{"internal/web", "internal/web/webtest", "internal/server", "internal/demo", "cmd/accord", "examples/verify"}, // surfaces
}

const module = "accord"

// A pkg is what go list says of one package.
type pkg struct {
	ImportPath                string
	Dir                       string
	Imports                   []string
	Deps                      []string
	GoFiles                   []string
	TestGoFiles, XTestGoFiles []string
}

func listPackages(t *testing.T) []pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-deps=false", "-json", module+"/...")
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("go list: %v\n%s", err, ee.Stderr)
		}
		t.Fatalf("go list: %v", err)
	}
	var ps []pkg
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			return ps
		} else if err != nil {
			t.Fatalf("decoding go list: %v", err)
		}
		ps = append(ps, p)
	}
}

// rank returns each listed package's position from the bottom.
func rank() map[string]int {
	r := map[string]int{}
	for _, layer := range layers {
		for _, p := range layer {
			r[module+"/"+p] = len(r)
		}
	}
	return r
}

func TestLayers(t *testing.T) {
	ranks := rank()
	seen := map[string]bool{}
	for _, p := range listPackages(t) {
		if p.ImportPath == module+"/internal" {
			continue // this test
		}
		seen[p.ImportPath] = true
		r, ok := ranks[p.ImportPath]
		if !ok {
			t.Errorf("%s is in no layer: add it to layers in internal/layers_test.go and to docs/architecture.md", p.ImportPath)
			continue
		}
		for _, imp := range p.Imports {
			if ri, ok := ranks[imp]; ok && ri >= r {
				t.Errorf("%s imports %s, which is not below it (docs/architecture.md)", p.ImportPath, imp)
			}
		}
	}
	for p := range ranks {
		if !seen[p] {
			t.Errorf("layers lists %s, which is not a package of the module", p)
		}
	}
}

// TestPublicStandsAlone checks that the public packages (and the example
// verifier, which shows what an outsider can do with them) depend on no
// internal package of accord, directly or not.
func TestPublicStandsAlone(t *testing.T) {
	for _, p := range listPackages(t) {
		rel := strings.TrimPrefix(p.ImportPath, module+"/")
		if strings.HasPrefix(rel, "internal") || strings.HasPrefix(rel, "cmd/") {
			continue
		}
		for _, d := range p.Deps {
			if strings.HasPrefix(d, module+"/internal/") {
				t.Errorf("public package %s depends on %s", p.ImportPath, d)
			}
		}
	}
}

// A named is a type declared in the module: its own methods (for an
// interface, the methods it asks for) and the types it embeds, whose
// methods it gains.
type named struct {
	pkg, name string
	iface     bool // an interface declared in a non-test file
	methods   map[string]bool
	embeds    []string // "path.Name"
}

// TestNoCycleBreakingInterface reports an interface that exists only to
// break an import cycle: one with exactly one implementation in the
// module (tests included), in a package that imports the interface's own.
// Such an interface lets a lower package call up into a higher one that
// it could not import; the higher package should call down instead.
// Implementations are matched by method names (embedded types included),
// which is enough here: no two types in accord share method names without
// sharing the contract.
func TestNoCycleBreakingInterface(t *testing.T) {
	ps := listPackages(t)
	deps := map[string][]string{}
	all := map[string]*named{}
	for _, p := range ps {
		deps[p.ImportPath] = p.Deps
		declared(t, p, all)
	}
	for _, i := range all {
		if !i.iface {
			continue
		}
		impls := implementations(i, all)
		if len(impls) == 1 && slices.Contains(deps[impls[0].pkg], i.pkg) {
			t.Errorf("%s.%s has one implementation, %s.%s, which imports it: the interface only breaks a cycle",
				i.pkg, i.name, impls[0].pkg, impls[0].name)
		}
	}
}

func implementations(i *named, all map[string]*named) []*named {
	want := methodSet(i, all, map[*named]bool{})
	if len(want) == 0 {
		return nil
	}
	var out []*named
	for _, c := range all {
		if c.iface || c == i {
			continue
		}
		if have := methodSet(c, all, map[*named]bool{}); hasAll(have, want) {
			out = append(out, c)
		}
	}
	return out
}

// methodSet returns n's methods and those of every type it embeds.
func methodSet(n *named, all map[string]*named, seen map[*named]bool) map[string]bool {
	out := map[string]bool{}
	if seen[n] {
		return out
	}
	seen[n] = true
	for m := range n.methods {
		out[m] = true
	}
	for _, e := range n.embeds {
		if en := all[e]; en != nil {
			for m := range methodSet(en, all, seen) {
				out[m] = true
			}
		}
	}
	return out
}

func hasAll(have, want map[string]bool) bool {
	for m := range want {
		if !have[m] {
			return false
		}
	}
	return true
}

// declared parses p's files into all: its named types with their methods
// and embedded types (test files included), and which of them are
// interfaces declared outside tests.
func declared(t *testing.T, p pkg, all map[string]*named) {
	t.Helper()
	fset := token.NewFileSet()
	files := slices.Concat(p.GoFiles, p.TestGoFiles, p.XTestGoFiles)
	for n, name := range files {
		f, err := parser.ParseFile(fset, filepath.Join(p.Dir, name), nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		path := p.ImportPath
		if n >= len(p.GoFiles)+len(p.TestGoFiles) {
			path += "_test"
		}
		d := decls{path: path, imports: importNames(f), all: all}
		d.types(f, n < len(p.GoFiles))
		d.methods(f)
	}
}

// decls collects the declarations of one file.
type decls struct {
	path    string
	imports map[string]string // package name to import path
	all     map[string]*named
}

func (d decls) get(name string) *named {
	key := d.path + "." + name
	if d.all[key] == nil {
		d.all[key] = &named{pkg: d.path, name: name, methods: map[string]bool{}}
	}
	return d.all[key]
}

func (d decls) types(f *ast.File, nonTest bool) {
	ast.Inspect(f, func(n ast.Node) bool {
		ts, ok := n.(*ast.TypeSpec)
		if !ok {
			return true
		}
		switch x := ts.Type.(type) {
		case *ast.InterfaceType:
			nt := d.get(ts.Name.Name)
			nt.iface = nonTest
			d.fields(nt, x.Methods)
		case *ast.StructType:
			nt := d.get(ts.Name.Name)
			for _, fl := range x.Fields.List {
				if len(fl.Names) == 0 {
					nt.embeds = append(nt.embeds, d.typeKey(fl.Type))
				}
			}
		}
		return false
	})
}

// fields records an interface's methods and embedded interfaces.
func (d decls) fields(nt *named, l *ast.FieldList) {
	for _, m := range l.List {
		for _, n := range m.Names {
			nt.methods[n.Name] = true
		}
		if len(m.Names) == 0 {
			nt.embeds = append(nt.embeds, d.typeKey(m.Type))
		}
	}
}

func (d decls) methods(f *ast.File) {
	for _, decl := range f.Decls {
		fd, ok := decl.(*ast.FuncDecl)
		if ok && fd.Recv != nil && len(fd.Recv.List) > 0 {
			d.get(receiverName(fd.Recv.List[0].Type)).methods[fd.Name.Name] = true
		}
	}
}

// typeKey returns "path.Name" for a type expression naming a type.
func (d decls) typeKey(e ast.Expr) string {
	if s, ok := e.(*ast.StarExpr); ok {
		e = s.X
	}
	switch x := e.(type) {
	case *ast.Ident:
		return d.path + "." + x.Name
	case *ast.SelectorExpr:
		if id, ok := x.X.(*ast.Ident); ok {
			return d.imports[id.Name] + "." + x.Sel.Name
		}
	}
	return ""
}

// importNames maps the names f uses for its imports to their paths
// (accord's packages are named after the last element of their path).
func importNames(f *ast.File) map[string]string {
	out := map[string]string{}
	for _, im := range f.Imports {
		p, _ := strconv.Unquote(im.Path.Value)
		name := p[strings.LastIndex(p, "/")+1:]
		if im.Name != nil {
			name = im.Name.Name
		}
		out[name] = p
	}
	return out
}

func receiverName(e ast.Expr) string {
	for {
		switch x := e.(type) {
		case *ast.StarExpr:
			e = x.X
		case *ast.IndexExpr:
			e = x.X
		case *ast.IndexListExpr:
			e = x.X
		case *ast.Ident:
			return x.Name
		default:
			return ""
		}
	}
}

// TestNoStutter reports an exported name that repeats its package's name
// (treaty.TreatyYear, node.IsNode) or a method or field that repeats its
// type's (Treaty.TreatyYearOf): names read with their package
// (docs/architecture.md, "Names"). A type named after its package
// (entry.Entry, like time.Time) is the package's main noun, not a stutter.
func TestNoStutter(t *testing.T) {
	for _, p := range listPackages(t) {
		fset := token.NewFileSet()
		for _, name := range p.GoFiles {
			f, err := parser.ParseFile(fset, filepath.Join(p.Dir, name), nil, parser.SkipObjectResolution)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range stutters(f) {
				t.Errorf("%s: %s", fset.Position(s.Pos()), s.Name)
			}
		}
	}
}

// stutters returns the exported names in f that repeat their package's
// name, or their type's, as a word.
func stutters(f *ast.File) []*ast.Ident {
	pkg := f.Name.Name
	var out []*ast.Ident
	check := func(id *ast.Ident, owner string) {
		if id.IsExported() && id.Name != exported(owner) && hasWord(id.Name, exported(owner)) {
			out = append(out, id)
		}
	}
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Recv == nil {
				check(d.Name, pkg)
			} else if r := receiverName(d.Recv.List[0].Type); ast.IsExported(r) {
				check(d.Name, r)
			}
		case *ast.GenDecl:
			for _, s := range d.Specs {
				switch s := s.(type) {
				case *ast.TypeSpec:
					check(s.Name, pkg)
					if st, ok := s.Type.(*ast.StructType); ok {
						for _, fl := range st.Fields.List {
							for _, n := range fl.Names {
								if n.Name != typeName(fl.Type) { // a field named after its type, as if embedded
									check(n, s.Name.Name)
								}
							}
						}
					}
				case *ast.ValueSpec:
					for _, n := range s.Names {
						check(n, pkg)
					}
				}
			}
		}
	}
	return out
}

// typeName returns the name of the type e names, without its package.
func typeName(e ast.Expr) string {
	switch x := e.(type) {
	case *ast.StarExpr:
		return typeName(x.X)
	case *ast.SelectorExpr:
		return x.Sel.Name
	case *ast.Ident:
		return x.Name
	}
	return ""
}

func exported(name string) string {
	if name == "" {
		return ""
	}
	return strings.ToUpper(name[:1]) + name[1:]
}

// hasWord reports whether the CamelCase name holds word as one of its
// words: "TreatyYear" holds "Treaty", "Treatyish" does not.
func hasWord(name, word string) bool {
	for i := 0; ; {
		j := strings.Index(name[i:], word)
		if j < 0 {
			return false
		}
		end := i + j + len(word)
		if end == len(name) || name[end] >= 'A' && name[end] <= 'Z' || name[end] >= '0' && name[end] <= '9' {
			return true
		}
		i = end
	}
}

// TestPackageComment checks that every package but a command has one
// package comment, at the top of the file named after the package.
func TestPackageComment(t *testing.T) {
	for _, p := range listPackages(t) {
		var where []string
		name := ""
		for _, file := range p.GoFiles {
			f, err := parser.ParseFile(token.NewFileSet(), filepath.Join(p.Dir, file), nil, parser.PackageClauseOnly|parser.ParseComments)
			if err != nil {
				t.Fatal(err)
			}
			name = f.Name.Name
			if f.Doc != nil {
				where = append(where, file)
			}
		}
		if name == "" || name == "main" {
			continue
		}
		if want := []string{name + ".go"}; !slices.Equal(where, want) {
			t.Errorf("%s: package comment in %v, want in %v", p.ImportPath, where, want)
		}
	}
}
