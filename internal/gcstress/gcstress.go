// Package gcstress holds the pointer-rich workload that the gc and
// gc_preempt examples and their conformance tests (conformance/gc,
// conformance/gcpreempt) keep on green stacks while the collector runs, and
// the goroutines that run beside it. It lives here, not under conformance/,
// because the examples' programs use it too.
package gcstress

import (
	"fmt"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Item and node are pointer-rich values that a thread keeps only on its own
// stack: the collector can find them only through that stack.
type Item struct {
	key  int
	Vals []int
	name *string
}

type node struct {
	next *node
	it   *Item
}

func NewItem(seed, k int) *Item {
	name := "item-" + strconv.Itoa(seed) + "-" + strconv.Itoa(k)
	it := &Item{key: k, Vals: make([]int, 8), name: &name}
	for i := range it.Vals {
		it.Vals[i] = seed*1000003 + k*31 + i
	}
	return it
}

func (it *Item) Check(seed, k int) error {
	if it == nil {
		return fmt.Errorf("item %d of thread %d is nil", k, seed)
	}
	if it.key != k || len(it.Vals) != 8 || it.name == nil || *it.name != "item-"+strconv.Itoa(seed)+"-"+strconv.Itoa(k) {
		return fmt.Errorf("item %d of thread %d corrupted: key %d, %d Vals", k, seed, it.key, len(it.Vals))
	}
	for i, v := range it.Vals {
		if v != seed*1000003+k*31+i {
			return fmt.Errorf("item %d of thread %d corrupted: Vals[%d] = %#x", k, seed, i, v)
		}
	}
	return nil
}

// Window is how many items each structure keeps alive.
const Window = 48

// Body allocates into a list, a map and a slice of pointers held only
// in its locals, yields after every step and checks all three after every
// switch, for limit rounds (0: no limit) or until stop is set. It returns
// the first corruption it sees.
func Body(seed, limit int, yield func(), stop *atomic.Bool) (rounds int, err error) {
	var head *node
	m := make(map[int]*Item)
	var ptrs []*Item
	for k := 0; !stop.Load() && (limit == 0 || k < limit); k++ {
		it := NewItem(seed, k)
		head = &node{next: head, it: it}
		m[k] = NewItem(seed, k)
		ptrs = append(ptrs, NewItem(seed, k))
		if len(ptrs) > Window {
			ptrs = append(ptrs[:0:0], ptrs[len(ptrs)-Window:]...)
		}
		delete(m, k-Window)
		it = nil
		yield()
		// The list: newest first, cut at Window.
		n := head
		for j := k; j > k-Window && j >= 0; j-- {
			if n == nil {
				return k, fmt.Errorf("thread %d: list ends early at %d", seed, j)
			}
			if err := n.it.Check(seed, j); err != nil {
				return k, fmt.Errorf("list: %w", err)
			}
			if j == k-Window+1 {
				n.next = nil
			}
			n = n.next
		}
		if len(m) != min(k+1, Window) {
			return k, fmt.Errorf("thread %d: map has %d entries, want %d", seed, len(m), min(k+1, Window))
		}
		for key, v := range m {
			if err := v.Check(seed, key); err != nil {
				return k, fmt.Errorf("map: %w", err)
			}
		}
		for i, p := range ptrs {
			if err := p.Check(seed, k-len(ptrs)+1+i); err != nil {
				return k, fmt.Errorf("slice: %w", err)
			}
		}
		rounds = k + 1
	}
	return rounds, nil
}

// Pressure runs beside the threads until stop is closed: allocations of the
// sizes the threads use, filled with junk so that reused memory shows, and
// runtime.GC in a loop.
func Pressure(stop <-chan struct{}, wg *sync.WaitGroup, gcs *atomic.Int64) {
	defer wg.Done()
	var keep [64][]int
	for i := 0; ; i++ {
		select {
		case <-stop:
			return
		default:
		}
		for j := range keep {
			s := make([]int, 8+j%4)
			for x := range s {
				s[x] = -1
			}
			keep[j] = s
		}
		runtime.GC()
		gcs.Add(1)
	}
}

// Observers runs the CPU-independent observers until stop is closed:
// runtime.Stack of all goroutines in a loop, which walks every holder.
func Observers(stop <-chan struct{}, wg *sync.WaitGroup) {
	defer wg.Done()
	buf := make([]byte, 1<<20)
	for {
		select {
		case <-stop:
			return
		case <-time.After(time.Millisecond):
		}
		runtime.Stack(buf, true)
	}
}
