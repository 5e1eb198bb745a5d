package clock

import (
	"testing"
	"time"
)

func TestFakeFiresInDeadlineOrder(t *testing.T) {
	start := time.Date(2026, 1, 2, 10, 0, 0, 0, time.UTC)
	c := NewFake(start)
	c.Sync = true
	var got []string
	var seen []time.Time
	c.AfterFunc(3*time.Second, func() { got = append(got, "c"); seen = append(seen, c.Now()) })
	c.AfterFunc(time.Second, func() { got = append(got, "a"); seen = append(seen, c.Now()) })
	c.AfterFunc(time.Second, func() { got = append(got, "b"); seen = append(seen, c.Now()) })
	stopped := c.AfterFunc(2*time.Second, func() { got = append(got, "stopped") })
	if !stopped.Stop() {
		t.Fatal("Stop of a pending timer reported false")
	}
	if stopped.Stop() {
		t.Fatal("second Stop reported true")
	}
	c.Advance(2 * time.Second)
	if want := "a b"; join(got) != want {
		t.Fatalf("after 2 s fired %q, want %q", join(got), want)
	}
	if !seen[0].Equal(start.Add(time.Second)) {
		t.Fatalf("timer saw Now = %v, want its deadline %v", seen[0], start.Add(time.Second))
	}
	if c.Pending() != 1 {
		t.Fatalf("Pending = %d, want 1", c.Pending())
	}
	c.Advance(time.Second)
	if want := "a b c"; join(got) != want {
		t.Fatalf("after 3 s fired %q, want %q", join(got), want)
	}
	if !c.Now().Equal(start.Add(3 * time.Second)) {
		t.Fatalf("Now = %v, want %v", c.Now(), start.Add(3*time.Second))
	}
}

func TestFakeTimerSetFromATimer(t *testing.T) {
	c := NewFake(time.Unix(0, 0))
	c.Sync = true
	n := 0
	var again func()
	again = func() {
		n++
		c.AfterFunc(time.Second, again)
	}
	c.AfterFunc(time.Second, again)
	c.Advance(5 * time.Second)
	if n != 5 {
		t.Fatalf("a timer that re-arms itself fired %d times in 5 s, want 5", n)
	}
}

func TestFakeAsyncFires(t *testing.T) {
	c := NewFake(time.Unix(0, 0))
	done := make(chan struct{})
	c.AfterFunc(time.Minute, func() { close(done) })
	c.Advance(time.Minute)
	<-done
}

func join(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += " "
		}
		out += x
	}
	return out
}
