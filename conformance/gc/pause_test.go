package gc

import (
	"reflect"

	pause "github.com/gthreadgen/gthreadgen/generated_examples/max/rtos"
)

// pauseRuntime returns a runtime of the max example, generated with gc:
// pause (the negative control and the benchmark's baseline), whose first n
// threads run body; the others are not started.
func pauseRuntime(n int, body func(*pause.Runtime)) (*pause.Runtime, error) {
	var th pause.Threads
	v := reflect.ValueOf(&th).Elem()
	for i := range v.NumField() {
		fn := func(*pause.Runtime) {}
		if i < n {
			fn = body
		}
		v.Field(i).Set(reflect.ValueOf(fn))
	}
	rt, err := pause.New(th)
	if err != nil {
		return nil, err
	}
	for i := range n {
		if err := rt.Activate(pause.ThreadID(i)); err != nil {
			rt.Close()
			return nil, err
		}
	}
	return rt, nil
}
