package emit

import (
	"go/ast"
	"go/parser"
	"go/token"
	"slices"
	"strings"
	"testing"

	"github.com/gthreadgen/gthreadgen/internal/model"
)

// TestReservedMatchesAPI renders packages with every feature and compares
// model.Reserved, the identifiers a thread or service name may not turn into,
// with the exported names the packages declare: every exported package-level
// name and Runtime method must be reserved (else a thread called "stats"
// would collide with Stats), and every reserved name must exist somewhere
// (else the list only refuses names for nothing).
func TestReservedMatchesAPI(t *testing.T) {
	const all = `package: rtos
scheduler:
  time_slice: 10ms
  suspend: true
  set_priority: true
threads:
  - name: a
    priority: 1
  - name: b
services:
  from_goroutines: true
  semaphores: [{name: sem}]
  mutexes: [{name: mu, users: [a, b]}]
  queues: [{name: q, capacity: 2, type: int}]
  events: [{name: ev}]
  timers: [{name: tm, period: 1ms, thread: a}]
  idle_hook: true
  thread_local: int
trace: {events: 64}
`
	configs := []string{
		all,
		"package: rtos\ngc: pause\nthreads:\n  - name: a\n",
		"package: rtos\nthreads:\n  - name: a\n",
	}
	own := map[string]bool{"A": true, "B": true, "Sem": true, "Mu": true, "Q": true, "Ev": true, "Tm": true}
	declared := map[string]bool{}
	for _, c := range configs {
		for name, src := range files(t, c) {
			if !strings.HasSuffix(name, ".go") {
				continue
			}
			f, err := parser.ParseFile(token.NewFileSet(), name, src, 0)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range f.Decls {
				switch d := d.(type) {
				case *ast.FuncDecl:
					if d.Recv == nil || recvName(d.Recv) == "Runtime" {
						declared[d.Name.Name] = true
					}
				case *ast.GenDecl:
					for _, s := range d.Specs {
						switch s := s.(type) {
						case *ast.TypeSpec:
							declared[s.Name.Name] = true
						case *ast.ValueSpec:
							for _, n := range s.Names {
								declared[n.Name] = true
							}
						}
					}
				}
			}
		}
	}
	var missing, phantom []string
	for n := range declared {
		if ast.IsExported(n) && !own[n] && !slices.Contains(model.Reserved, n) {
			missing = append(missing, n)
		}
	}
	for _, n := range model.Reserved {
		if !declared[n] {
			phantom = append(phantom, n)
		}
	}
	slices.Sort(missing)
	slices.Sort(phantom)
	if len(missing) > 0 {
		t.Errorf("exported by the generated package but not in model.Reserved (a thread could be named so): %v", missing)
	}
	if len(phantom) > 0 {
		t.Errorf("in model.Reserved but declared by no generated package: %v", phantom)
	}
}

func recvName(r *ast.FieldList) string {
	t := r.List[0].Type
	if s, ok := t.(*ast.StarExpr); ok {
		t = s.X
	}
	if ix, ok := t.(*ast.IndexExpr); ok {
		t = ix.X
	}
	if id, ok := t.(*ast.Ident); ok {
		return id.Name
	}
	return ""
}
