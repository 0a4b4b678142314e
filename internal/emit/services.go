package emit

import (
	"fmt"
	"strings"

	"github.com/dave/jennifer/jen"

	"github.com/gthreadgen/gthreadgen/internal/model"
)

// serviceObject is one service object as service_objects.go declares it.
type serviceObject struct {
	// ident is its accessor, the Runtime method named after it; doc says
	// what the accessor returns.
	ident, doc string
	// field is its field of serviceObjects, also the name of its mailbox
	// in postObjects if goroutines post to it.
	field string
	typ   string   // its type: Semaphore, Queue[int], ...
	init  jen.Dict // the fields of its initial value
	// timer: resetState puts it back whole (no goroutine reads timers).
	timer bool
}

// waitQueues numbers the wait queues of the service objects, in the order the
// objects are declared.
type waitQueues struct {
	names    []string // what each one is, for DeadlockError
	postable []bool   // whether a goroutine's post can satisfy its waiters
}

// add numbers one more wait queue.
func (w *waitQueues) add(what string, post bool) int {
	w.names = append(w.names, what)
	w.postable = append(w.postable, post)
	return len(w.names) - 1
}

// serviceObjects renders service_objects.go: the storage of the service
// objects the config declares, their initial state, the names of their wait
// queues and one accessor method per object, named after it, so that a
// misspelled service name does not compile.
func serviceObjects(m *model.Model, header string) *jen.File {
	f := newFile(m, header)
	var wq waitQueues
	objs := declaredObjects(m, &wq)
	if len(m.Timers) > 0 {
		objs = append(objs, timerObjects(f, m, &wq)...)
	}
	s := &m.Services
	f.Comment("numWaitQueues is the number of wait queues of the service objects.")
	f.Const().Id("numWaitQueues").Op("=").Lit(len(wq.names))
	f.Line()
	perWaitQueue(f, "waitNames", jen.String(), wq.names, "waitNames describes each wait queue, for DeadlockError.")
	f.Comment("serviceObjects holds every service object of one runtime.")
	f.Type().Id("serviceObjects").StructFunc(func(g *jen.Group) {
		array(g, "semaphores", len(s.Semaphores), jen.Id("Semaphore"))
		array(g, "mutexes", len(m.Mutexes), jen.Id("Mutex"))
		for i, q := range s.Queues {
			g.Id(fmt.Sprintf("queue%d", i)).Id("Queue").Index(jen.Id(q.Type))
			g.Id(fmt.Sprintf("queue%dBuf", i)).Index(jen.Lit(q.Capacity)).Id(q.Type)
		}
		array(g, "events", len(s.Events), jen.Id("Events"))
		array(g, "timers", len(m.Timers), jen.Id("Timer"))
	})
	f.Line()
	f.Comment("reset puts every object in its configured initial state.")
	f.Func().Params(jen.Id("o").Op("*").Id("serviceObjects")).Id("reset").Params(jen.Id("rt").Op("*").Id("Runtime")).BlockFunc(func(g *jen.Group) {
		for i, q := range s.Queues {
			clearQueueBuf(g, i, q.Capacity, q.Type)
		}
		for _, o := range objs {
			g.Id("o." + o.field).Op("=").Id(o.typ).Values(o.init)
		}
	})
	if m.Features.Posts {
		postObjects(f, m, wq.postable)
		f.Line()
		f.Comment("resetState puts back what a Run changes, and nothing a poster reads")
		f.Comment("(rt, the mailboxes): Run calls it while goroutines may post.")
		f.Func().Params(jen.Id("o").Op("*").Id("serviceObjects")).Id("resetState").Params(jen.Id("rt").Op("*").Id("Runtime")).BlockFunc(func(g *jen.Group) {
			resetState(g, m, objs)
		})
	}
	for _, o := range objs {
		f.Line()
		f.Comment(fmt.Sprintf("%s returns %s.", o.ident, o.doc))
		f.Func().Params(jen.Id("rt").Op("*").Id("Runtime")).Id(o.ident).Params().Op("*").Id(o.typ).Block(
			jen.Return(jen.Op("&").Id("rt.svc.objs." + o.field)),
		)
	}
	return f
}

// declaredObjects returns the semaphores, mutexes, queues and events, in that
// order, numbering their wait queues in wq.
func declaredObjects(m *model.Model, wq *waitQueues) []serviceObject {
	var objs []serviceObject
	// add adds o; mailbox is the field of its initial value that points to
	// its mailbox, when goroutines post to it.
	add := func(o serviceObject, mailbox string) {
		if m.Features.Posts && mailbox != "" {
			o.init[jen.Id(mailbox)] = jen.Op("&").Id("rt.post.objs." + o.field)
		}
		objs = append(objs, o)
	}
	rt := jen.Id("rt")
	s := &m.Services
	for i, x := range s.Semaphores {
		q := wq.add("semaphore "+x.Name, true)
		add(serviceObject{ident: x.Ident, field: fmt.Sprintf("semaphores[%d]", i),
			doc: fmt.Sprintf("semaphore %q, initial count %d", x.Name, x.Initial), typ: "Semaphore",
			init: jen.Dict{jen.Id("rt"): rt, jen.Id("name"): jen.Lit(x.Name), jen.Id("count"): jen.Lit(x.Initial), jen.Id("q"): jen.Lit(q)}},
			"posts")
	}
	for i, x := range m.Mutexes {
		var users []string
		for _, u := range x.UserIDs {
			users = append(users, m.Threads[u].Name)
		}
		add(serviceObject{ident: x.Ident, field: fmt.Sprintf("mutexes[%d]", i),
			doc: fmt.Sprintf("mutex %q, used by %s: priority ceiling %d", x.Name, strings.Join(users, ", "), x.Ceiling), typ: "Mutex",
			init: jen.Dict{jen.Id("rt"): rt, jen.Id("name"): jen.Lit(x.Name), jen.Id("index"): jen.Lit(i),
				jen.Id("ceiling"): jen.Lit(x.Ceiling), jen.Id("users"): jen.Lit(int(x.UserMask))}},
			"")
	}
	for i, x := range s.Queues {
		send := wq.add(fmt.Sprintf("queue %s (send: full)", x.Name), false)
		recv := wq.add(fmt.Sprintf("queue %s (receive: empty)", x.Name), true)
		add(serviceObject{ident: x.Ident, field: fmt.Sprintf("queue%d", i),
			doc: fmt.Sprintf("queue %q of %d %s", x.Name, x.Capacity, x.Type), typ: "Queue[" + x.Type + "]",
			init: jen.Dict{jen.Id("rt"): rt, jen.Id("name"): jen.Lit(x.Name), jen.Id("buf"): jen.Id(fmt.Sprintf("o.queue%dBuf[:]", i)),
				jen.Id("send"): jen.Lit(send), jen.Id("recv"): jen.Lit(recv)}},
			"mb")
	}
	for i, x := range s.Events {
		q := wq.add("events "+x.Name, true)
		add(serviceObject{ident: x.Ident, field: fmt.Sprintf("events[%d]", i),
			doc: fmt.Sprintf("event flags %q, initially %#x", x.Name, x.Initial), typ: "Events",
			init: jen.Dict{jen.Id("rt"): rt, jen.Id("name"): jen.Lit(x.Name), jen.Id("flags"): jen.Lit(int(x.Initial)), jen.Id("q"): jen.Lit(q)}},
			"posts")
	}
	return objs
}

// timerObjects returns the software timers, numbering the wait queue of each
// thread's ServeTimers in wq, and declares numTimers and timerQueue.
func timerObjects(f *jen.File, m *model.Model, wq *waitQueues) []serviceObject {
	serving := map[int]int{} // thread ID -> wait queue of its ServeTimers
	for _, x := range m.Timers {
		if _, ok := serving[x.ThreadID]; !ok {
			serving[x.ThreadID] = wq.add("timers of "+m.Threads[x.ThreadID].Name+" (ServeTimers)", false)
		}
	}
	var objs []serviceObject
	for i, x := range m.Timers {
		kind := "periodic"
		if x.OneShot {
			kind = "one-shot"
		}
		objs = append(objs, serviceObject{ident: x.Ident, field: fmt.Sprintf("timers[%d]", i),
			doc: fmt.Sprintf("the %s timer %q of period %v, served by thread %s", kind, x.Name, x.Period, m.Threads[x.ThreadID].Name), typ: "Timer",
			init: jen.Dict{jen.Id("rt"): jen.Id("rt"), jen.Id("name"): jen.Lit(x.Name), jen.Id("period"): jen.Lit(int64(x.Period)),
				jen.Id("oneShot"): jen.Lit(x.OneShot), jen.Id("thread"): jen.Lit(x.ThreadID), jen.Id("q"): jen.Lit(serving[x.ThreadID]),
				jen.Id("index"): jen.Lit(i)},
			timer: true})
	}
	f.Comment("numTimers is the number of software timers.")
	f.Const().Id("numTimers").Op("=").Lit(len(m.Timers))
	f.Line()
	f.Comment("timerQueue is, per thread, the wait queue of its ServeTimers, or noWait")
	f.Comment("when no timer names it.")
	f.Var().Id("timerQueue").Op("=").Index(jen.Id("NumThreads")).Uint8().ValuesFunc(func(g *jen.Group) {
		for i := range m.Threads {
			if q, ok := serving[i]; ok {
				g.Lit(q)
			} else {
				g.Id("noWait")
			}
		}
	})
	f.Line()
	return objs
}

// perWaitQueue declares the array name of one value of type typ per wait
// queue, with the doc comment lines doc.
func perWaitQueue[T any](f *jen.File, name string, typ *jen.Statement, values []T, doc ...string) {
	for _, l := range doc {
		f.Comment(l)
	}
	f.Var().Id(name).Op("=").Index(jen.Id("numWaitQueues")).Add(typ).ValuesFunc(func(g *jen.Group) {
		for _, v := range values {
			g.Lit(v)
		}
	})
	f.Line()
}

// array declares the struct field name [n]elem, if there are any (n > 0).
func array(g *jen.Group, name string, n int, elem *jen.Statement) {
	if n > 0 {
		g.Id(name).Index(jen.Lit(n)).Add(elem)
	}
}

// clearQueueBuf empties the buffer of queue i, of n elements of type typ.
func clearQueueBuf(g *jen.Group, i, n int, typ string) {
	g.Id(fmt.Sprintf("o.queue%dBuf", i)).Op("=").Index(jen.Lit(n)).Id(typ).Values()
}

// resetState writes the body of resetState: each object's state back to its
// initial value, field by field, leaving alone what posters read.
func resetState(g *jen.Group, m *model.Model, objs []serviceObject) {
	s := &m.Services
	for i, x := range s.Semaphores {
		g.Id(fmt.Sprintf("o.semaphores[%d].count", i)).Op("=").Lit(x.Initial)
	}
	for i := range m.Mutexes {
		g.Id(fmt.Sprintf("o.mutexes[%d].locked", i)).Op(",").Id(fmt.Sprintf("o.mutexes[%d].owner", i)).Op("=").False().Op(",").Lit(0)
	}
	for i, q := range s.Queues {
		clearQueueBuf(g, i, q.Capacity, q.Type)
		g.Id(fmt.Sprintf("o.queue%d.head", i)).Op(",").Id(fmt.Sprintf("o.queue%d.n", i)).Op(",").Id(fmt.Sprintf("o.queue%d.closed", i)).Op("=").Lit(0).Op(",").Lit(0).Op(",").False()
	}
	for i, x := range s.Events {
		g.Id(fmt.Sprintf("o.events[%d].flags", i)).Op("=").Lit(int(x.Initial))
	}
	for _, o := range objs {
		if o.timer {
			g.Id("o." + o.field).Op("=").Id(o.typ).Values(o.init)
		}
	}
}

// postObjects renders the goroutine side of the objects
// (services.from_goroutines): one mailbox each, their initialisation, the
// runner's walk that takes the posts, and which wait queues a post can
// satisfy.
func postObjects(f *jen.File, m *model.Model, postable []bool) {
	s := &m.Services
	f.Line()
	perWaitQueue(f, "postable", jen.Bool(), postable,
		"postable tells, per wait queue, whether a goroutine's post can satisfy its",
		"waiters: those of semaphores, events and receivers of queues.")
	f.Comment("postObjects holds the mailbox of every object goroutines may post to.")
	f.Type().Id("postObjects").StructFunc(func(g *jen.Group) {
		array(g, "semaphores", len(s.Semaphores), jen.Qual("sync/atomic", "Int64"))
		for i, q := range s.Queues {
			g.Id(fmt.Sprintf("queue%d", i)).Id("mailbox").Index(jen.Id(q.Type))
			g.Id(fmt.Sprintf("queue%dSlots", i)).Index(jen.Lit(q.Capacity)).Id("mailSlot").Index(jen.Id(q.Type))
		}
		array(g, "events", len(s.Events), jen.Qual("sync/atomic", "Uint32"))
	})
	f.Line()
	f.Comment("init prepares the mailboxes of the queues; New calls it once.")
	f.Func().Params(jen.Id("p").Op("*").Id("postObjects")).Id("init").Params().BlockFunc(func(g *jen.Group) {
		for i := range s.Queues {
			g.Id(fmt.Sprintf("p.queue%d.init", i)).Call(jen.Id(fmt.Sprintf("p.queue%dSlots[:]", i)))
		}
	})
	f.Line()
	f.Comment("takePosts moves every object's posts into it (the runner's side).")
	f.Func().Params(jen.Id("o").Op("*").Id("serviceObjects")).Id("takePosts").Params().BlockFunc(func(g *jen.Group) {
		if len(s.Semaphores) > 0 {
			g.For(jen.Id("i").Op(":=").Range().Id("o.semaphores")).Block(jen.Id("o.semaphores[i].takePosts").Call())
		}
		for i := range s.Queues {
			g.Id(fmt.Sprintf("o.queue%d.takePosts", i)).Call()
		}
		if len(s.Events) > 0 {
			g.For(jen.Id("i").Op(":=").Range().Id("o.events")).Block(jen.Id("o.events[i].takePosts").Call())
		}
	})
}
