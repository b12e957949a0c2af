package sqlurl

import (
	"fmt"
	"net/url"
	"strconv"
	"time"

	sqlstore "github.com/auth0kit/auth0kit/stores/sql"
)

// The database URL's query parameters that set the connection pool. They
// are removed before the URL reaches the driver (PostgreSQL would take
// them for server settings).
const (
	// ParamMaxConns caps the open connections (an integer; 0: no cap).
	ParamMaxConns = "pool_max_conns"
	// ParamMaxIdleConns caps the idle connections (an integer; default:
	// pool_max_conns).
	ParamMaxIdleConns = "pool_max_idle_conns"
	// ParamMaxConnLifetime is a connection's life (a Go duration such as
	// 30m; 0: forever).
	ParamMaxConnLifetime = "pool_max_conn_lifetime"
	// ParamMaxConnIdleTime is how long an unused connection is kept (a
	// Go duration such as 5m; 0: forever).
	ParamMaxConnIdleTime = "pool_max_conn_idle_time"
	// ParamReadsInFlight is how many session reads run at once before
	// the next ones are batched (an integer; 0: no batching; see
	// [sqlstore.WithReadBatching]). Only [Open] uses it.
	ParamReadsInFlight = "reads_in_flight"
)

// urlSettings are what the URL's own parameters set.
type urlSettings struct {
	pool          sqlstore.Pool
	readsInFlight int // -1: not set
}

// settingsFromURL returns [sqlstore.DefaultPool] with the pool_*
// parameters of u applied, the reads_in_flight parameter, and u without
// them.
func settingsFromURL(u *url.URL) (urlSettings, *url.URL, error) {
	set := urlSettings{pool: sqlstore.DefaultPool(), readsInFlight: -1}
	p := &set.pool
	q := u.Query()
	found := false
	setInt := func(name string, dst *int) error {
		if !q.Has(name) {
			return nil
		}
		found = true
		n, err := strconv.Atoi(q.Get(name))
		if err != nil || n < 0 {
			return fmt.Errorf("%s=%q: want a whole number ≥ 0", name, q.Get(name))
		}
		*dst = n
		q.Del(name)
		return nil
	}
	setDuration := func(name string, dst *time.Duration) error {
		if !q.Has(name) {
			return nil
		}
		found = true
		v := q.Get(name)
		d, err := time.ParseDuration(v)
		if v == "0" {
			d, err = 0, nil
		}
		if err != nil || d < 0 {
			return fmt.Errorf("%s=%q: want a duration ≥ 0 such as 30m", name, v)
		}
		*dst = d
		q.Del(name)
		return nil
	}
	idleSet := q.Has(ParamMaxIdleConns)
	for _, err := range []error{
		setInt(ParamMaxConns, &p.MaxConns),
		setInt(ParamMaxIdleConns, &p.MaxIdleConns),
		setDuration(ParamMaxConnLifetime, &p.MaxConnLifetime),
		setDuration(ParamMaxConnIdleTime, &p.MaxConnIdleTime),
		setInt(ParamReadsInFlight, &set.readsInFlight),
	} {
		if err != nil {
			return set, nil, err
		}
	}
	if !idleSet {
		p.MaxIdleConns = p.MaxConns // idle = open unless told otherwise
	}
	if !found {
		return set, u, nil
	}
	stripped := *u
	stripped.RawQuery = q.Encode()
	return set, &stripped, nil
}
