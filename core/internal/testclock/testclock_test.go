package testclock_test

import (
	"fmt"
	"time"

	"github.com/auth0kit/auth0kit/core/internal/testclock"
)

func Example() {
	clk := testclock.New(time.Unix(1_800_000_000, 0).UTC())
	clk.Advance(90 * time.Minute)
	fmt.Println(clk.Now().Format(time.RFC3339))
	// Output: 2027-01-15T09:30:00Z
}
