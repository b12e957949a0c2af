package sqlstore

import (
	"context"
	"testing"
	"time"
)

type ctxKey struct{}

// detached keeps the request's values and deadline but not its
// cancellation, and bounds a request without a deadline.
func TestDetached(t *testing.T) {
	parent, cancel := context.WithCancel(context.WithValue(context.Background(), ctxKey{}, "v"))
	ctx, stop := detached(parent)
	defer stop()
	cancel()
	if ctx.Err() != nil {
		t.Fatal("the request's cancellation reached the query")
	}
	if ctx.Value(ctxKey{}) != "v" {
		t.Fatal("values lost")
	}
	if d, ok := ctx.Deadline(); !ok || time.Until(d) > queryTimeout {
		t.Fatalf("deadline %v %v", d, ok)
	}
	want := time.Now().Add(time.Second)
	withDeadline, c2 := context.WithDeadline(context.Background(), want)
	defer c2()
	ctx2, stop2 := detached(withDeadline)
	defer stop2()
	if d, _ := ctx2.Deadline(); !d.Equal(want) {
		t.Fatalf("deadline %v, want the request's %v", d, want)
	}
}
