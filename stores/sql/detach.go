package sqlstore

import (
	"context"
	"time"
)

// queryTimeout bounds a session read or write whose request has no
// deadline of its own.
const queryTimeout = 5 * time.Second

// detached returns a context for one short query of a request: it keeps
// the request's values and deadline (or queryTimeout) but not its
// cancellation. A client that disconnects while its session is being read
// would otherwise cancel the query, and go-sql-driver/mysql answers a
// cancelled query by closing the connection: under load every wrk or
// browser disconnect cost a new MariaDB connection. A request cancelled
// before the query starts is still refused (the callers check ctx.Err()).
func detached(ctx context.Context) (context.Context, context.CancelFunc) {
	d, ok := ctx.Deadline()
	if !ok {
		d = time.Now().Add(queryTimeout)
	}
	return context.WithDeadline(context.WithoutCancel(ctx), d)
}
