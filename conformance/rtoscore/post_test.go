package rtoscore

// Tests of posting from goroutines (services.from_goroutines) in the runtime
// generated from configs/rtos_core.yaml: worker 2, monitor 1; semaphore
// kicks, queue items (4 ints), events stop.

import (
	"errors"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/gthreadgen/gthreadgen/generated_examples/rtos_core/rtos"
)

func newRT(t testing.TB, worker, monitor func(rt *rtos.Runtime)) *rtos.Runtime {
	t.Helper()
	nop := func(*rtos.Runtime) {}
	if worker == nil {
		worker = nop
	}
	if monitor == nil {
		monitor = nop
	}
	rt, err := rtos.New(rtos.Threads{Worker: worker, Monitor: monitor, Ticker: nop})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close() })
	return rt
}

// runWithin runs rt and fails the test when Run does not return in time.
func runWithin(t *testing.T, rt *rtos.Runtime, limit time.Duration) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- rt.Run() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(limit):
		t.Fatalf("Run did not return within %v", limit)
	}
}

// TestPostWakesIdleRunner: the only thread waits on an empty queue; a
// goroutine posts 20 ms later and the thread has the message within a few
// milliseconds: the idle wait is woken, it does not poll at some period.
// Waiting Forever (without posting, a deadlock) the runner parks on a
// channel; with a timeout of a second it sleeps on the futex until then.
func TestPostWakesIdleRunner(t *testing.T) {
	for _, timeout := range []time.Duration{rtos.Forever, time.Second} {
		var got int
		var lat time.Duration
		var posted time.Time
		var mu sync.Mutex
		rt := newRT(t, func(rt *rtos.Runtime) {
			v, err := rt.Items().Receive(timeout)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			got, lat = v, time.Since(posted)
			mu.Unlock()
		}, nil)
		go func() {
			time.Sleep(20 * time.Millisecond)
			mu.Lock()
			posted = time.Now()
			mu.Unlock()
			if err := rt.Items().Post(42, 0); err != nil {
				t.Error(err)
			}
		}()
		runWithin(t, rt, 5*time.Second)
		if got != 42 {
			t.Fatalf("timeout %v: received %d, want 42", timeout, got)
		}
		if lat > 5*time.Millisecond {
			t.Errorf("timeout %v: the idle thread got the post %v after it was made; want under 5ms", timeout, lat)
		}
		t.Logf("timeout %v: post to receive, runner idle: %v", timeout, lat)
	}
}

// TestNoPosterStillDeadlocks: a wait no goroutine can end (a full queue's
// sender) is still a deadlock.
func TestNoPosterStillDeadlocks(t *testing.T) {
	rt := newRT(t, func(rt *rtos.Runtime) {
		for i := 0; ; i++ {
			if err := rt.Items().Send(i, rtos.Forever); err != nil {
				return
			}
		}
	}, nil)
	var d *rtos.DeadlockError
	err := rt.Run()
	if !errors.As(err, &d) {
		t.Fatalf("Run = %v, want a *DeadlockError", err)
	}
	// The report names the sender's wait as such (no other test blocks a
	// sender for good).
	if want := []rtos.Wait{{Thread: rtos.Worker, What: "queue items (send: full)"}}; !slices.Equal(d.Waits, want) {
		t.Errorf("Waits = %+v, want %+v", d.Waits, want)
	}
	if want := "rtos: deadlock: every live thread is blocked: worker waits on queue items (send: full)"; err.Error() != want {
		t.Errorf("Error() = %q, want %q", err, want)
	}
}

// TestConcurrentPosters: four goroutines post 2000 messages each, with
// Forever, through a 4-slot queue and a thread that yields to a busy
// neighbour between receives: every message arrives once, each poster's in
// its order, and blocked posters are woken when room is made.
func TestConcurrentPosters(t *testing.T) {
	const posters, each = 4, 2000
	var got []int
	rt := newRT(t, func(rt *rtos.Runtime) {
		for len(got) < posters*each {
			v, err := rt.Items().Receive(rtos.Forever)
			if err != nil {
				t.Error(err)
				return
			}
			got = append(got, v)
			rt.Yield()
		}
	}, nil)
	var wg sync.WaitGroup
	for p := range posters {
		wg.Go(func() {
			for i := range each {
				if err := rt.Items().Post(p*each+i, rtos.Forever); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	runWithin(t, rt, 30*time.Second)
	wg.Wait()
	last := make([]int, posters)
	for i := range last {
		last[i] = -1
	}
	for _, v := range got {
		p, i := v/each, v%each
		if i <= last[p] {
			t.Fatalf("poster %d: message %d after %d", p, i, last[p])
		}
		last[p] = i
	}
	sorted := slices.Clone(got)
	sort.Ints(sorted)
	for i, v := range sorted {
		if v != i {
			t.Fatalf("messages: got %d at %d of the sorted list; lost or duplicated", v, i)
		}
	}
}

// TestPostFullTimesOut: with the ring (4) and the mailbox (4) full, Post
// with 0 fails at once and with a timeout after it; after the thread has
// taken messages, a waiting Post goes through.
func TestPostFullTimesOut(t *testing.T) {
	q := func(rt *rtos.Runtime) *rtos.Queue[int] { return rt.Items() }
	rt := newRT(t, nil, nil)
	for i := range 4 { // mailbox only: no Run yet
		if err := q(rt).Post(i, 0); err != nil {
			t.Fatal(err)
		}
	}
	if err := q(rt).Post(99, 0); !errors.Is(err, rtos.ErrTimeout) {
		t.Fatalf("Post to a full mailbox, timeout 0: %v, want ErrTimeout", err)
	}
	start := time.Now()
	if err := q(rt).Post(99, 10*time.Millisecond); !errors.Is(err, rtos.ErrTimeout) || time.Since(start) < 10*time.Millisecond {
		t.Fatalf("Post to a full mailbox, 10ms: %v after %v, want ErrTimeout after 10ms", err, time.Since(start))
	}
	// Run: the 4 go into the ring, 4 more fill the mailbox, the fifth
	// waits until the worker receives.
	var got []int
	started := make(chan struct{})
	rt2 := newRT(t, func(rt *rtos.Runtime) {
		close(started)
		rt.Sleep(30 * time.Millisecond) // let the posters fill everything
		for range 13 {
			v, err := q(rt).Receive(time.Second)
			if err != nil {
				t.Error(err)
				return
			}
			got = append(got, v)
		}
	}, nil)
	for i := range 4 {
		q(rt2).Post(i, 0)
	}
	var postErr error
	var wg sync.WaitGroup
	wg.Go(func() {
		<-started
		for i := 4; i < 13; i++ {
			if err := q(rt2).Post(i, 5*time.Second); err != nil {
				postErr = err
				return
			}
		}
	})
	runWithin(t, rt2, 10*time.Second)
	wg.Wait()
	if postErr != nil {
		t.Fatal(postErr)
	}
	if !slices.Equal(got, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}) {
		t.Fatalf("received %v", got)
	}
}

// TestSemaphoreAndEventPosts: goroutines release a semaphore 1000 times
// and set event flags while the monitor acquires; every unit arrives, and
// a Wait for all flags ends when the last one is posted.
func TestSemaphoreAndEventPosts(t *testing.T) {
	const n = 1000
	var acquired int
	var flags uint32
	rt := newRT(t, nil, func(rt *rtos.Runtime) {
		for range n {
			if err := rt.Kicks().Acquire(5 * time.Second); err != nil {
				t.Error(err)
				return
			}
			acquired++
		}
		f, err := rt.Stop().Wait(0b111, true, 5*time.Second)
		if err != nil {
			t.Error(err)
		}
		flags = f
	})
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for range n / 4 {
				rt.Kicks().Post()
			}
			if g < 3 {
				rt.Stop().Post(1 << g)
			}
		})
	}
	runWithin(t, rt, 10*time.Second)
	wg.Wait()
	if acquired != n || flags != 0b111 {
		t.Fatalf("acquired %d units (want %d), flags %#b (want 0b111)", acquired, n, flags)
	}
}

// TestPostNoticedAtYield: while a thread keeps the runner busy (it only
// yields; the runner is never idle), a post wakes the more urgent worker at
// the busy thread's next Yield.
func TestPostNoticedAtYield(t *testing.T) {
	var yields, atPost, atWake int
	done := false
	var mu sync.Mutex
	rt := newRT(t, func(rt *rtos.Runtime) {
		if _, err := rt.Items().Receive(rtos.Forever); err != nil {
			t.Error(err)
		}
		atWake = yields
		done = true
	}, func(rt *rtos.Runtime) {
		for !done {
			mu.Lock()
			yields++
			mu.Unlock()
			rt.Yield()
		}
	})
	go func() {
		time.Sleep(10 * time.Millisecond)
		mu.Lock() // the monitor cannot yield between the count and the post
		atPost = yields
		rt.Items().Post(1, 0)
		mu.Unlock()
	}()
	runWithin(t, rt, 5*time.Second)
	if atWake-atPost > 1 {
		t.Fatalf("the worker woke %d yields after the post, want at the next one", atWake-atPost)
	}
}

// TestPostFromThreadIsSend: from a thread of the runtime, Post is Send
// (a more urgent receiver runs at once), Semaphore.Post is Release and
// Events.Post is Set.
func TestPostFromThreadIsSend(t *testing.T) {
	var order []string
	rt := newRT(t, func(rt *rtos.Runtime) {
		rt.Items().Receive(rtos.Forever)
		order = append(order, "worker got it")
	}, func(rt *rtos.Runtime) {
		order = append(order, "monitor posts")
		rt.Items().Post(7, 0)
		order = append(order, "monitor goes on")
		rt.Kicks().Post()
		rt.Stop().Post(4)
		if rt.Kicks().Count() != 1 || rt.Stop().Flags() != 4 {
			t.Errorf("count %d, flags %#x after Post from a thread: want 1, 0x4", rt.Kicks().Count(), rt.Stop().Flags())
		}
	})
	runWithin(t, rt, 5*time.Second)
	if want := []string{"monitor posts", "worker got it", "monitor goes on"}; !slices.Equal(order, want) {
		t.Fatalf("order %q, want %q", order, want)
	}
}
