package config

import (
	"fmt"
	"go/ast"
	goparser "go/parser"
	"go/token"
	"go/types"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v4"
)

// Limits of the services section.
const (
	MaxServices  = 32                     // most objects of one kind (semaphores, mutexes, queues, events)
	MaxCount     = 1 << 30                // largest initial semaphore count
	MaxCapacity  = 1 << 16                // largest queue capacity
	MaxQueueMem  = 64 << 20               // largest queue buffer in bytes (capacity times element size)
	MaxTypeDepth = 16                     // deepest nesting of arrays, structs and parentheses in a queue element type
	MaxLocalSize = 1 << 20                // largest thread_local type in bytes
	MinPeriod    = 100 * time.Microsecond // shortest timer period
	MaxPeriod    = 24 * time.Hour         // longest timer period
)

// Services is the optional services section. A config without it (or with
// nothing in it) generates no service code.
type Services struct {
	Sleep bool // Sleep and SleepUntil; set whenever any object is declared
	// FromGoroutines: semaphores, queues and events take posts from any
	// goroutine (Post methods), and the runner's idle wait can be woken.
	FromGoroutines bool
	Semaphores     []Semaphore
	Mutexes        []Mutex
	Queues         []Queue
	Events         []Event
	Timers         []Timer
	// IdleHook: SetIdleHook, a function the runner calls before it waits
	// idle.
	IdleHook bool
	// ThreadLocal: the type of every thread's slot (Local), normalized;
	// empty: none.
	ThreadLocal string
}

// Any reports whether the config uses any service.
func (s *Services) Any() bool {
	return s.Sleep || len(s.Semaphores)+len(s.Mutexes)+len(s.Queues)+len(s.Events)+len(s.Timers) > 0
}

// Timer is a software timer whose callback runs in a configured thread.
type Timer struct {
	Name, Ident string
	Period      time.Duration
	OneShot     bool
	Thread      string // the thread that runs its callback (in ServeTimers)
}

// Semaphore is a counting semaphore.
type Semaphore struct {
	Name, Ident string
	Initial     int
}

// Mutex is a mutex with an immediate priority ceiling.
type Mutex struct {
	Name, Ident string
	Users       []string // thread names, in config order, no duplicates
}

// Queue is a fixed-capacity message queue.
type Queue struct {
	Name, Ident string
	Capacity    int
	Type        string // the element type, normalized on one line
}

// Event is a set of 32 event flags.
type Event struct {
	Name, Ident string
	Initial     uint32
}

var (
	servicesFields  = []string{"sleep", "from_goroutines", "idle_hook", "thread_local", "semaphores", "mutexes", "queues", "events", "timers"}
	timerFields     = []string{"name", "period", "one_shot", "thread"}
	semaphoreFields = []string{"name", "initial"}
	mutexFields     = []string{"name", "users"}
	queueFields     = []string{"name", "capacity", "type"}
	eventFields     = []string{"name", "initial"}
)

// services fills cfg.Services. It runs after threads: service names must
// not give the Go identifier of a thread, and mutex users name threads.
func (p *parser) services(cfg *Config, top fields) {
	f := p.section(top, "services", servicesFields, "a mapping such as {sleep: true}")
	s := &cfg.Services
	if n, at := f.get("sleep"); n != nil {
		s.Sleep, _ = p.boolean(n, at)
	}
	idents := map[string]string{} // Go identifier -> what uses it
	for _, t := range cfg.Threads {
		if t.Ident != "" {
			idents[t.Ident] = "thread " + quote(t.Name)
		}
	}
	p.serviceList(f, "semaphores", "a semaphore name such as slots", semaphoreFields, "a mapping such as {name: slots, initial: 2}", idents, func(v fields, name, id string, pos Pos) {
		sem := Semaphore{Name: name, Ident: id}
		if n, at := v.get("initial"); n != nil {
			if c, ok := p.integer(n, at, fmt.Sprintf("an integer from 0 to %d", MaxCount)); ok {
				if c < 0 || c > MaxCount {
					p.errorf(n, at, "must be an integer from 0 to %d, got %d", MaxCount, c)
				}
				sem.Initial = int(c)
			}
		}
		s.Semaphores = append(s.Semaphores, sem)
	})
	p.serviceList(f, "mutexes", "a mutex name such as bus", mutexFields, "a mapping such as {name: bus, users: [a, b]}", idents, func(v fields, name, id string, pos Pos) {
		m := Mutex{Name: name, Ident: id}
		n, at := v.get("users")
		switch {
		case n == nil:
			p.add(pos, at, "is required: the threads that lock this mutex, such as [a, b]")
		case !p.checkTag(n, at):
		case n.Kind != yaml.SequenceNode || len(n.Content) == 0:
			p.errorf(n, at, "must be a non-empty list of thread names, got %s", describe(n))
		default:
			p.uniqueStrings(n, at, "a thread name", "user", func(u *yaml.Node, up, name string) bool {
				if !p.isThread(cfg, u, up, name) {
					return false
				}
				m.Users = append(m.Users, name)
				return true
			})
		}
		s.Mutexes = append(s.Mutexes, m)
	})
	p.serviceList(f, "queues", "a queue name such as jobs", queueFields, "a mapping such as {name: jobs, capacity: 8, type: int}", idents, func(v fields, name, id string, pos Pos) {
		q := Queue{Name: name, Ident: id}
		want := fmt.Sprintf("an integer from 1 to %d", MaxCapacity)
		if n, at := v.get("capacity"); n == nil {
			p.add(pos, at, "is required: "+want)
		} else if c, ok := p.integer(n, at, want); ok {
			if c < 1 || c > MaxCapacity {
				p.errorf(n, at, "must be %s, got %d", want, c)
			}
			q.Capacity = int(c)
		}
		if n, at := v.get("type"); n == nil {
			p.add(pos, at, `is required: the element type, such as int or "struct{ id int; v [4]float64 }"`)
		} else if t, ok := p.str(n, at, "a Go type such as int"); ok {
			if typ, msg := checkType(t); msg != "" {
				p.errorf(n, at, "%s", msg)
			} else if size, ok := typeSize(typ); !ok {
				p.errorf(n, at, "an element of this type needs more than %d bytes; a queue may use at most %d (capacity times element size)",
					MaxQueueMem, MaxQueueMem)
			} else if c := uint64(max(q.Capacity, 1)); size*c > MaxQueueMem { // size <= MaxQueueMem, c <= MaxCapacity: no overflow
				p.errorf(n, at, "the queue would need %d bytes (capacity %d times %d bytes); at most %d are allowed",
					size*c, c, size, MaxQueueMem)
			} else {
				q.Type = typ
			}
		}
		s.Queues = append(s.Queues, q)
	})
	p.serviceList(f, "events", "an events name such as alarms", eventFields, "a mapping such as {name: alarms, initial: 0}", idents, func(v fields, name, id string, pos Pos) {
		e := Event{Name: name, Ident: id}
		if n, at := v.get("initial"); n != nil {
			if c, ok := p.integerIn(n, at, "an integer from 0 to 4294967295", true); ok {
				if c < 0 || c > 1<<32-1 {
					p.errorf(n, at, "must be an integer from 0 to 4294967295, got %d", c)
				}
				e.Initial = uint32(c)
			}
		}
		s.Events = append(s.Events, e)
	})
	p.serviceList(f, "timers", "a timer name such as tick", timerFields, "a mapping such as {name: tick, period: 10ms, thread: a}", idents, func(v fields, name, id string, pos Pos) {
		tm := Timer{Name: name, Ident: id}
		want := "a duration from 100µs to 24h such as 10ms" // MinPeriod, MaxPeriod
		if n, at := v.get("period"); n == nil {
			p.add(pos, at, "is required: "+want)
		} else if d, ok := p.duration(n, at); ok {
			if d < MinPeriod || d > MaxPeriod {
				p.errorf(n, at, "must be %s, got %v", want, d)
			}
			tm.Period = d
		}
		if n, at := v.get("one_shot"); n != nil {
			tm.OneShot, _ = p.boolean(n, at)
		}
		if n, at := v.get("thread"); n == nil {
			p.add(pos, at, "is required: the thread that runs the callback, in ServeTimers")
		} else if t, ok := p.str(n, at, "a thread name"); ok {
			p.isThread(cfg, n, at, t)
			tm.Thread = t
		}
		s.Timers = append(s.Timers, tm)
	})
	if n, at := f.get("idle_hook"); n != nil {
		s.IdleHook, _ = p.boolean(n, at)
	}
	if n, at := f.get("thread_local"); n != nil {
		if t, ok := p.str(n, at, "a Go type such as int"); ok {
			if typ, msg := checkType(t); msg != "" {
				p.errorf(n, at, "%s", msg)
			} else if size, ok := typeSize(typ); !ok || size > MaxLocalSize {
				p.errorf(n, at, "must need at most %d bytes per thread, got a larger type", MaxLocalSize)
			} else {
				s.ThreadLocal = typ
			}
		}
	}
	// Any object, the idle hook and thread-local slots come with the
	// services' core, Sleep and SleepUntil.
	s.Sleep = s.Any() || s.IdleHook || s.ThreadLocal != ""
	if n, at := f.get("from_goroutines"); n != nil {
		if v, ok := p.boolean(n, at); ok && v {
			if len(s.Semaphores)+len(s.Queues)+len(s.Events) == 0 {
				p.errorf(n, at, "must be false when no semaphore, queue or event is declared (nothing to post to), got true")
			}
			s.FromGoroutines = v
		}
	}
}

// isThread reports whether name, the value of n at path at, names a thread
// of cfg; if not, it reports the error, with the closest thread name as a
// suggestion.
func (p *parser) isThread(cfg *Config, n *yaml.Node, at, name string) bool {
	var names []string
	for _, t := range cfg.Threads {
		if t.Name == name {
			return true
		}
		names = append(names, t.Name)
	}
	p.errorf(n, at, "no thread is named %s%s", quote(name), didYouMean(name, names))
	return false
}

// serviceList walks the list services.<key>, checking each entry's name (what
// it must be: nameWant, such as "a semaphore name such as slots"), and calls
// each for every entry that is a mapping (what it must be: want).
func (p *parser) serviceList(f fields, key, nameWant string, allowed []string, want string, idents map[string]string,
	each func(v fields, name, ident string, pos Pos)) {
	n, at := f.get(key)
	if n == nil || isNull(n) || !p.checkTag(n, at) {
		return
	}
	if n.Kind != yaml.SequenceNode {
		p.errorf(n, at, "must be a list, got %s", describe(n))
		return
	}
	if len(n.Content) > MaxServices {
		p.errorf(n.Content[MaxServices], at, "at most %d %s are allowed, got %d", MaxServices, key, len(n.Content))
	}
	for i, item := range n.Content {
		item = resolve(item)
		ip := fmt.Sprintf("%s[%d]", at, i)
		v, ok := p.mapping(item, ip, allowed, want)
		if !ok {
			continue
		}
		var name, id string
		if nn, np := v.get("name"); nn == nil {
			p.errorf(item, np, "is required")
		} else if s, ok := p.str(nn, np, nameWant); ok {
			name = s
			id = p.goName(nn, np, s, idents, fmt.Sprintf("%s (line %d)", ip, nn.Line), true)
		}
		each(v, name, id, posOf(item))
	}
}

// vetMethods are the method names go vet's stdmethods check (Go 1.26) holds
// to a standard signature, with that signature. A service becomes a Runtime
// method named after it that returns the service, which would fail vet.
var vetMethods = map[string]string{
	"As":         "As(any) bool",
	"Format":     "Format(fmt.State, rune)",
	"GobDecode":  "GobDecode([]byte) error",
	"GobEncode":  "GobEncode() ([]byte, error)",
	"Is":         "Is(error) bool",
	"ReadByte":   "ReadByte() (byte, error)",
	"ReadFrom":   "ReadFrom(io.Reader) (int64, error)",
	"ReadRune":   "ReadRune() (rune, int, error)",
	"Scan":       "Scan(fmt.ScanState, rune) error",
	"Seek":       "Seek(int64, int) (int64, error)",
	"UnreadByte": "UnreadByte() error",
	"UnreadRune": "UnreadRune() error",
	"Unwrap":     "Unwrap() error",
	"WriteByte":  "WriteByte(byte) error",
	"WriteTo":    "WriteTo(io.Writer) (int64, error)",
	// MarshalJSON, MarshalXML, UnmarshalJSON and UnmarshalXML cannot come
	// from a lowercase name (marshal_json gives MarshalJson).
}

// predeclared are the Go types a queue element may be built from.
var predeclared = []string{"bool", "string", "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32",
	"uint64", "uintptr", "byte", "rune", "float32", "float64", "complex64", "complex128"}

// checkType parses s as a Go type expression built only of predeclared
// types, arrays of constant length and structs, and returns it as gofmt
// prints it, or why it is not allowed.
func checkType(s string) (string, string) {
	e, err := goparser.ParseExpr(s)
	if err != nil {
		return "", fmt.Sprintf("must be a Go type such as int or [4]float64, got %s (%v)", quote(s), err)
	}
	if d := typeDepth(e); d > MaxTypeDepth {
		return "", fmt.Sprintf("must nest at most %d arrays, structs and parentheses, got %d levels in %s", MaxTypeDepth, d, quote(s))
	}
	if msg := allowedType(e); strings.HasPrefix(msg, "must ") {
		return "", fmt.Sprintf("%s, got %s", msg, quote(s)) // a message of its own
	} else if msg != "" {
		return "", fmt.Sprintf("%s: only predeclared types, arrays of a constant length and structs of them are allowed, got %s",
			msg, quote(s))
	}
	return types.ExprString(e), ""
}

// typeSize returns the size in bytes on amd64 (gc) of a type that checkType
// accepted, and false if it is larger than MaxQueueMem. It walks the type
// once, in time linear in its length (go/types' Sizeof recomputes the size of
// a struct's last field from every level above, 2^depth in all), and no
// intermediate result can overflow: each is checked against MaxQueueMem
// before the next is computed.
func typeSize(typ string) (uint64, bool) {
	e, err := goparser.ParseExpr(typ)
	if err != nil {
		return 0, false
	}
	size, _, ok := layout(e)
	return size, ok
}

// layout returns the size and alignment of the type e, as the gc compiler
// lays it out on amd64, and false if it is larger than MaxQueueMem.
func layout(e ast.Expr) (size, align uint64, ok bool) {
	switch t := e.(type) {
	case *ast.Ident:
		switch t.Name {
		case "bool", "int8", "uint8", "byte":
			return 1, 1, true
		case "int16", "uint16":
			return 2, 2, true
		case "int32", "uint32", "rune", "float32":
			return 4, 4, true
		case "int", "int64", "uint", "uint64", "uintptr", "float64":
			return 8, 8, true
		case "complex64":
			return 8, 4, true
		case "complex128":
			return 16, 8, true
		case "string":
			return 16, 8, true
		}
	case *ast.ParenExpr:
		return layout(t.X)
	case *ast.ArrayType:
		lit, isLit := t.Len.(*ast.BasicLit)
		if !isLit {
			return 0, 0, false
		}
		n, err := strconv.ParseUint(strings.ReplaceAll(lit.Value, "_", ""), 0, 64)
		if err != nil || n > MaxCapacity {
			return 0, 0, false
		}
		es, ea, ok := layout(t.Elt)
		if !ok {
			return 0, 0, false
		}
		// es <= MaxQueueMem and n <= MaxCapacity: the product fits easily.
		if size = es * n; size > MaxQueueMem {
			return 0, 0, false
		}
		return size, ea, true
	case *ast.StructType:
		align = 1
		var off, last uint64 // the offset reached, the last field's offset
		var lastSize uint64
		for _, f := range t.Fields.List {
			fs, fa, ok := layout(f.Type)
			if !ok {
				return 0, 0, false
			}
			align = max(align, fa)
			for range max(len(f.Names), 1) {
				last = roundUp(off, fa)
				off, lastSize = last+fs, fs
				if off > MaxQueueMem {
					return 0, 0, false
				}
			}
		}
		// gc: a zero-size last field of a struct with other data gets a
		// byte, so that a pointer to it cannot point past the struct.
		if last > 0 && lastSize == 0 {
			off++
		}
		if size = roundUp(off, align); size > MaxQueueMem {
			return 0, 0, false
		}
		return size, align, true
	}
	return 0, 0, false
}

// roundUp rounds n (at most MaxQueueMem) up to a multiple of a power of two.
func roundUp(n, a uint64) uint64 { return (n + a - 1) &^ (a - 1) }

// typeDepth returns how deeply arrays, structs and parentheses nest in e (0
// for a bare name), visiting each node once.
func typeDepth(e ast.Expr) int {
	switch t := e.(type) {
	case *ast.ParenExpr:
		return 1 + typeDepth(t.X)
	case *ast.ArrayType:
		return 1 + typeDepth(t.Elt)
	case *ast.StructType:
		d := 0
		for _, f := range t.Fields.List {
			d = max(d, typeDepth(f.Type))
		}
		return 1 + d
	}
	return 0
}

func allowedType(e ast.Expr) string {
	switch t := e.(type) {
	case *ast.Ident:
		if t.Name == "error" || t.Name == "any" || t.Name == "comparable" {
			return "must be a fixed-size value type (numbers, bool, string, arrays and structs of them); " +
				"interfaces such as " + t.Name + " are not allowed"
		}
		if !slices.Contains(predeclared, t.Name) {
			return fmt.Sprintf("%s is not a predeclared type", t.Name)
		}
		return ""
	case *ast.ParenExpr:
		return allowedType(t.X)
	case *ast.ArrayType:
		lit, ok := t.Len.(*ast.BasicLit)
		if t.Len == nil {
			return "slices are not allowed (they would allocate)"
		}
		if !ok || lit.Kind != token.INT {
			return "an array length must be an integer literal"
		}
		if n, err := strconv.ParseInt(strings.ReplaceAll(lit.Value, "_", ""), 0, 64); err != nil || n > MaxCapacity {
			return fmt.Sprintf("an array length must be at most %d", MaxCapacity)
		}
		return allowedType(t.Elt)
	case *ast.StructType:
		names := map[string]bool{}
		for _, f := range t.Fields.List {
			if f.Tag != nil {
				return "struct tags are not allowed"
			}
			for _, n := range f.Names {
				if !n.IsExported() {
					return "struct field " + n.Name + " must be exported (the type is used from another package)"
				}
				if names[n.Name] {
					return "duplicate field " + n.Name
				}
				names[n.Name] = true
			}
			if len(f.Names) == 0 {
				return "embedded fields are not allowed"
			}
			if msg := allowedType(f.Type); msg != "" {
				return msg
			}
		}
		return ""
	case *ast.StarExpr:
		return "pointers are not allowed"
	case *ast.MapType:
		return "maps are not allowed"
	case *ast.ChanType:
		return "channels are not allowed"
	case *ast.FuncType:
		return "functions are not allowed"
	case *ast.InterfaceType:
		return "interfaces are not allowed"
	}
	return "not a type"
}
