package emit

import (
	"fmt"
	"strings"

	"github.com/dave/jennifer/jen"

	"github.com/gthreadgen/gthreadgen/internal/config"
	"github.com/gthreadgen/gthreadgen/internal/model"
)

// serviceObjects renders service_objects.go: the storage of the service
// objects the config declares, their initial state, the names of their wait
// queues and one accessor method per object, named after it, so that a
// misspelled service name does not compile.
func serviceObjects(m *model.Model, header string) *jen.File {
	f := newFile(m, header)
	s := &m.Services
	var names []string  // wait queue names, by index
	var postable []bool // wait queues a goroutine's post can satisfy
	queue := func(what string, post bool) int {
		names = append(names, what)
		postable = append(postable, post)
		return len(names) - 1
	}
	posts := m.Features.Posts

	type obj struct {
		timer             bool
		ident, field, doc string
		typ               string // the object's type: Semaphore, Queue[int], ...
		init              jen.Dict
	}
	var objs []obj
	rt := jen.Id("rt")
	for i, x := range s.Semaphores {
		q := queue("semaphore "+x.Name, true)
		init := jen.Dict{jen.Id("rt"): rt, jen.Id("name"): jen.Lit(x.Name), jen.Id("count"): jen.Lit(x.Initial), jen.Id("q"): jen.Lit(q)}
		if posts {
			init[jen.Id("posts")] = jen.Op("&").Id(fmt.Sprintf("rt.post.objs.semaphores[%d]", i))
		}
		objs = append(objs, obj{false, x.Ident, fmt.Sprintf("semaphores[%d]", i),
			fmt.Sprintf("semaphore %q, initial count %d", x.Name, x.Initial), "Semaphore", init})
	}
	for i, x := range m.Mutexes {
		var users []string
		for _, u := range x.UserIDs {
			users = append(users, m.Threads[u].Name)
		}
		objs = append(objs, obj{false, x.Ident, fmt.Sprintf("mutexes[%d]", i),
			fmt.Sprintf("mutex %q, used by %s: priority ceiling %d", x.Name, strings.Join(users, ", "), x.Ceiling), "Mutex",
			jen.Dict{jen.Id("rt"): rt, jen.Id("name"): jen.Lit(x.Name), jen.Id("index"): jen.Lit(i),
				jen.Id("ceiling"): jen.Lit(x.Ceiling), jen.Id("users"): jen.Lit(int(x.UserMask))}})
	}
	for i, x := range s.Queues {
		send := queue(fmt.Sprintf("queue %s (send: full)", x.Name), false)
		recv := queue(fmt.Sprintf("queue %s (receive: empty)", x.Name), true)
		init := jen.Dict{jen.Id("rt"): rt, jen.Id("name"): jen.Lit(x.Name), jen.Id("buf"): jen.Id(fmt.Sprintf("o.queue%dBuf[:]", i)),
			jen.Id("send"): jen.Lit(send), jen.Id("recv"): jen.Lit(recv)}
		if posts {
			init[jen.Id("mb")] = jen.Op("&").Id(fmt.Sprintf("rt.post.objs.queue%d", i))
		}
		objs = append(objs, obj{false, x.Ident, fmt.Sprintf("queue%d", i),
			fmt.Sprintf("queue %q of %d %s", x.Name, x.Capacity, x.Type), "Queue[" + x.Type + "]", init})
	}
	for i, x := range s.Events {
		q := queue("events "+x.Name, true)
		init := jen.Dict{jen.Id("rt"): rt, jen.Id("name"): jen.Lit(x.Name), jen.Id("flags"): jen.Lit(int(x.Initial)), jen.Id("q"): jen.Lit(q)}
		if posts {
			init[jen.Id("posts")] = jen.Op("&").Id(fmt.Sprintf("rt.post.objs.events[%d]", i))
		}
		objs = append(objs, obj{false, x.Ident, fmt.Sprintf("events[%d]", i),
			fmt.Sprintf("event flags %q, initially %#x", x.Name, x.Initial), "Events", init})
	}

	if len(m.Timers) > 0 {
		serving := map[int]int{} // thread ID -> wait queue of its ServeTimers
		for _, x := range m.Timers {
			if _, ok := serving[x.ThreadID]; !ok {
				serving[x.ThreadID] = queue("timers of "+m.Threads[x.ThreadID].Name+" (ServeTimers)", false)
			}
		}
		for i, x := range m.Timers {
			kind := "periodic"
			if x.OneShot {
				kind = "one-shot"
			}
			objs = append(objs, obj{true, x.Ident, fmt.Sprintf("timers[%d]", i),
				fmt.Sprintf("the %s timer %q of period %v, served by thread %s", kind, x.Name, x.Period, m.Threads[x.ThreadID].Name), "Timer",
				jen.Dict{jen.Id("rt"): rt, jen.Id("name"): jen.Lit(x.Name), jen.Id("period"): jen.Lit(int64(x.Period)),
					jen.Id("oneShot"): jen.Lit(x.OneShot), jen.Id("thread"): jen.Lit(x.ThreadID), jen.Id("q"): jen.Lit(serving[x.ThreadID]),
					jen.Id("index"): jen.Lit(i)}})
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
	}
	f.Comment("numWaitQueues is the number of wait queues of the service objects.")
	f.Const().Id("numWaitQueues").Op("=").Lit(len(names))
	f.Line()
	f.Comment("waitNames describes each wait queue, for DeadlockError.")
	f.Var().Id("waitNames").Op("=").Index(jen.Id("numWaitQueues")).String().ValuesFunc(func(g *jen.Group) {
		for _, n := range names {
			g.Lit(n)
		}
	})
	f.Line()
	f.Comment("serviceObjects holds every service object of one runtime.")
	f.Type().Id("serviceObjects").StructFunc(func(g *jen.Group) {
		if n := len(s.Semaphores); n > 0 {
			g.Id("semaphores").Index(jen.Lit(n)).Id("Semaphore")
		}
		if n := len(s.Mutexes); n > 0 {
			g.Id("mutexes").Index(jen.Lit(n)).Id("Mutex")
		}
		for i, q := range s.Queues {
			g.Id(fmt.Sprintf("queue%d", i)).Id("Queue").Index(jen.Id(q.Type))
			g.Id(fmt.Sprintf("queue%dBuf", i)).Index(jen.Lit(q.Capacity)).Id(q.Type)
		}
		if n := len(s.Events); n > 0 {
			g.Id("events").Index(jen.Lit(n)).Id("Events")
		}
		if n := len(s.Timers); n > 0 {
			g.Id("timers").Index(jen.Lit(n)).Id("Timer")
		}
	})
	f.Line()
	f.Comment("reset puts every object in its configured initial state.")
	f.Func().Params(jen.Id("o").Op("*").Id("serviceObjects")).Id("reset").Params(jen.Id("rt").Op("*").Id("Runtime")).BlockFunc(func(g *jen.Group) {
		for i, q := range s.Queues {
			g.Id(fmt.Sprintf("o.queue%dBuf", i)).Op("=").Index(jen.Lit(q.Capacity)).Id(q.Type).Values()
		}
		for _, o := range objs {
			g.Id("o." + o.field).Op("=").Id(o.typ).Values(o.init)
		}
	})
	if posts {
		postObjects(f, s, postable)
		f.Line()
		f.Comment("resetState puts back what a Run changes, and nothing a poster reads")
		f.Comment("(rt, the mailboxes): Run calls it while goroutines may post.")
		f.Func().Params(jen.Id("o").Op("*").Id("serviceObjects")).Id("resetState").Params(jen.Id("rt").Op("*").Id("Runtime")).BlockFunc(func(g *jen.Group) {
			for i, x := range s.Semaphores {
				g.Id(fmt.Sprintf("o.semaphores[%d].count", i)).Op("=").Lit(x.Initial)
			}
			for i := range s.Mutexes {
				g.Id(fmt.Sprintf("o.mutexes[%d].locked", i)).Op(",").Id(fmt.Sprintf("o.mutexes[%d].owner", i)).Op("=").False().Op(",").Lit(0)
			}
			for i, q := range s.Queues {
				g.Id(fmt.Sprintf("o.queue%dBuf", i)).Op("=").Index(jen.Lit(q.Capacity)).Id(q.Type).Values()
				g.Id(fmt.Sprintf("o.queue%d.head", i)).Op(",").Id(fmt.Sprintf("o.queue%d.n", i)).Op(",").Id(fmt.Sprintf("o.queue%d.closed", i)).Op("=").Lit(0).Op(",").Lit(0).Op(",").False()
			}
			for i, x := range s.Events {
				g.Id(fmt.Sprintf("o.events[%d].flags", i)).Op("=").Lit(int(x.Initial))
			}
			for _, o := range objs {
				if o.timer { // no goroutine reads timers
					g.Id("o." + o.field).Op("=").Id(o.typ).Values(o.init)
				}
			}
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

// postObjects renders the goroutine side of the objects
// (services.from_goroutines): one mailbox each, their initialisation, the
// runner's walk that takes the posts, and which wait queues a post can
// satisfy.
func postObjects(f *jen.File, s *config.Services, postable []bool) {
	f.Line()
	f.Comment("postable tells, per wait queue, whether a goroutine's post can satisfy its")
	f.Comment("waiters: those of semaphores, events and receivers of queues.")
	f.Var().Id("postable").Op("=").Index(jen.Id("numWaitQueues")).Bool().ValuesFunc(func(g *jen.Group) {
		for _, p := range postable {
			g.Lit(p)
		}
	})
	f.Line()
	f.Comment("postObjects holds the mailbox of every object goroutines may post to.")
	f.Type().Id("postObjects").StructFunc(func(g *jen.Group) {
		if n := len(s.Semaphores); n > 0 {
			g.Id("semaphores").Index(jen.Lit(n)).Qual("sync/atomic", "Int64")
		}
		for i, q := range s.Queues {
			g.Id(fmt.Sprintf("queue%d", i)).Id("mailbox").Index(jen.Id(q.Type))
			g.Id(fmt.Sprintf("queue%dSlots", i)).Index(jen.Lit(q.Capacity)).Id("mailSlot").Index(jen.Id(q.Type))
		}
		if n := len(s.Events); n > 0 {
			g.Id("events").Index(jen.Lit(n)).Qual("sync/atomic", "Uint32")
		}
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
