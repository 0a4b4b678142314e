//go:build amd64

package floor

import "testing"

func TestRoundTrip(t *testing.T) {
	p, err := New()
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	for i := 0; i < 1000; i++ {
		p.RoundTrip()
	}
	if p.peer.pc == 0 || p.main.sp == 0 {
		t.Fatal("the switch saved no context")
	}
}

// BenchmarkBareSwitch: one op is one switch (a round trip is two).
func BenchmarkBareSwitch(b *testing.B) {
	p, err := New()
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	for i := 0; i < b.N/2; i++ {
		p.RoundTrip()
	}
}
