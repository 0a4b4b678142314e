package main

import (
	"fmt"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// item and node are pointer-rich values that a thread keeps only on its own
// stack: the collector can find them only through that stack.
type item struct {
	key  int
	vals []int
	name *string
}

type node struct {
	next *node
	it   *item
}

func newItem(seed, k int) *item {
	name := "item-" + strconv.Itoa(seed) + "-" + strconv.Itoa(k)
	it := &item{key: k, vals: make([]int, 8), name: &name}
	for i := range it.vals {
		it.vals[i] = seed*1000003 + k*31 + i
	}
	return it
}

func (it *item) check(seed, k int) error {
	if it == nil {
		return fmt.Errorf("item %d of thread %d is nil", k, seed)
	}
	if it.key != k || len(it.vals) != 8 || it.name == nil || *it.name != "item-"+strconv.Itoa(seed)+"-"+strconv.Itoa(k) {
		return fmt.Errorf("item %d of thread %d corrupted: key %d, %d vals", k, seed, it.key, len(it.vals))
	}
	for i, v := range it.vals {
		if v != seed*1000003+k*31+i {
			return fmt.Errorf("item %d of thread %d corrupted: vals[%d] = %#x", k, seed, i, v)
		}
	}
	return nil
}

// window is how many items each structure keeps alive.
const window = 48

// stressBody allocates into a list, a map and a slice of pointers held only
// in its locals, yields after every step and checks all three after every
// switch, for limit rounds (0: no limit) or until stop is set. It returns
// the first corruption it sees.
func stressBody(seed, limit int, yield func(), stop *atomic.Bool) (rounds int, err error) {
	var head *node
	m := make(map[int]*item)
	var ptrs []*item
	for k := 0; !stop.Load() && (limit == 0 || k < limit); k++ {
		it := newItem(seed, k)
		head = &node{next: head, it: it}
		m[k] = newItem(seed, k)
		ptrs = append(ptrs, newItem(seed, k))
		if len(ptrs) > window {
			ptrs = append(ptrs[:0:0], ptrs[len(ptrs)-window:]...)
		}
		delete(m, k-window)
		it = nil
		yield()
		// The list: newest first, cut at window.
		n := head
		for j := k; j > k-window && j >= 0; j-- {
			if n == nil {
				return k, fmt.Errorf("thread %d: list ends early at %d", seed, j)
			}
			if err := n.it.check(seed, j); err != nil {
				return k, fmt.Errorf("list: %w", err)
			}
			if j == k-window+1 {
				n.next = nil
			}
			n = n.next
		}
		if len(m) != min(k+1, window) {
			return k, fmt.Errorf("thread %d: map has %d entries, want %d", seed, len(m), min(k+1, window))
		}
		for key, v := range m {
			if err := v.check(seed, key); err != nil {
				return k, fmt.Errorf("map: %w", err)
			}
		}
		for i, p := range ptrs {
			if err := p.check(seed, k-len(ptrs)+1+i); err != nil {
				return k, fmt.Errorf("slice: %w", err)
			}
		}
		rounds = k + 1
	}
	return rounds, nil
}

// pressure runs beside the threads until stop is closed: allocations of the
// sizes the threads use, filled with junk so that reused memory shows, and
// runtime.GC in a loop.
func pressure(stop <-chan struct{}, wg *sync.WaitGroup, gcs *atomic.Int64) {
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

// observers runs the CPU-independent observers until stop is closed:
// runtime.Stack of all goroutines in a loop, which walks every holder.
func observers(stop <-chan struct{}, wg *sync.WaitGroup) {
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
