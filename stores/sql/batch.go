package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"sync"
)

// MaxReadBatch is the most session ids one batched read asks for.
const MaxReadBatch = 32

// DefaultReadsInFlight is how many session reads run at once unless
// [WithReadBatching] says otherwise, or GOMAXPROCS if that is more.
const DefaultReadsInFlight = 4

// readBatchSizes are the sizes of the id lists a batched read is built
// for; a batch is padded to the next one by repeating an id, so a
// connection prepares at most this many batch statements.
var readBatchSizes = [...]int{2, 4, 8, 16, MaxReadBatch}

// WithReadBatching sets how many session reads run at once (default
// [DefaultReadsInFlight] or GOMAXPROCS, whichever is more). A read that arrives while that many are
// running waits for the first of them to finish, then runs together with
// the other reads that waited, up to [MaxReadBatch] ids in one query.
// Each read still starts after it was asked for, so it sees every write
// that finished before; a read never waits when fewer are running.
//
// Under load this turns many round trips into few: on MariaDB a read
// costs the database and the application more in the round trip than in
// the row, and a batch of reads costs about what one does. n ≤ 0 turns
// batching off: every read is its own query, as many at once as the pool
// allows.
func WithReadBatching(n int) Option {
	return func(s *Store) { s.batch.limit = max(n, 0) }
}

// ReadsInFlight returns how many session reads the store runs at once
// before it batches the next ones; 0: it does not batch.
func (s *Store) ReadsInFlight() int { return s.batch.limit }

// readBatcher limits the session reads in flight and gathers the ones
// that wait into batches.
type readBatcher struct {
	limit int // reads in flight at most; 0: no batching

	mu      sync.Mutex
	running int         // queries in flight
	queue   []*readCall // reads waiting for one to finish
}

// readCall is one waiting read. Its ready channel is closed once data and
// err are set, or once it is chosen to run batch (which includes it).
type readCall struct {
	id    string
	ready chan struct{}
	batch []*readCall
	data  []byte
	err   error
}

// readData returns the data of the live session stored under id, nil
// when there is none, through the batcher.
func (s *Store) readData(ctx context.Context, id string) ([]byte, error) {
	b := &s.batch
	if b.limit == 0 {
		return s.readOne(ctx, id)
	}
	b.mu.Lock()
	if b.running < b.limit {
		b.running++
		b.mu.Unlock()
		data, err := s.readOne(ctx, id)
		s.nextBatch()
		return data, err
	}
	c := &readCall{id: id, ready: make(chan struct{})}
	b.queue = append(b.queue, c)
	b.mu.Unlock()

	select {
	case <-c.ready:
	case <-ctx.Done():
		b.mu.Lock()
		if i := slices.Index(b.queue, c); i >= 0 {
			b.queue = slices.Delete(b.queue, i, i+1)
			b.mu.Unlock()
			return nil, ctx.Err()
		}
		b.mu.Unlock()
		<-c.ready // already taken into a batch: it runs regardless
	}
	if c.batch != nil {
		s.readMany(ctx, c.batch)
		s.nextBatch()
	}
	return c.data, c.err
}

// nextBatch hands the running slot of a finished read to the reads that
// waited: the first of them runs them all (up to MaxReadBatch). With none
// waiting the slot is freed.
func (s *Store) nextBatch() {
	b := &s.batch
	b.mu.Lock()
	if len(b.queue) == 0 {
		b.running--
		b.mu.Unlock()
		return
	}
	n := min(len(b.queue), MaxReadBatch)
	batch := slices.Clone(b.queue[:n])
	rest := copy(b.queue, b.queue[n:])
	clear(b.queue[rest:])
	b.queue = b.queue[:rest]
	b.mu.Unlock()

	lead := batch[0]
	lead.batch = batch
	close(lead.ready)
}

// readOne reads one session's data: nil when there is none or it has
// expired.
func (s *Store) readOne(ctx context.Context, id string) ([]byte, error) {
	ctx, cancel := detached(ctx)
	defer cancel()
	var row *sql.Row
	if st := s.prepared(ctx, 0); st != nil {
		row = st.QueryRowContext(ctx, id, s.now().Unix())
	} else {
		row = s.db.QueryRowContext(ctx, s.q.get, id, s.now().Unix())
	}
	var data []byte
	if err := row.Scan(&data); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, nil
		}
		return nil, err
	}
	return data, nil
}

// readMany reads the sessions of calls (calls[0] is the caller's own) in
// one query, and delivers every other call's result.
func (s *Store) readMany(ctx context.Context, calls []*readCall) {
	if len(calls) == 1 {
		calls[0].data, calls[0].err = s.readOne(ctx, calls[0].id)
		return
	}
	defer func() {
		for _, c := range calls[1:] {
			close(c.ready)
		}
	}()
	size := 0
	for size < len(readBatchSizes)-1 && readBatchSizes[size] < len(calls) {
		size++
	}
	args := make([]any, readBatchSizes[size]+1)
	for i := range readBatchSizes[size] {
		args[i] = calls[min(i, len(calls)-1)].id
	}
	args[len(args)-1] = s.now().Unix()

	// Not the leading request's deadline: the batch is everyone's.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), queryTimeout)
	defer cancel()
	var rows *sql.Rows
	var err error
	if st := s.prepared(ctx, 1+size); st != nil {
		rows, err = st.QueryContext(ctx, args...)
	} else {
		rows, err = s.db.QueryContext(ctx, s.q.getBatch[size], args...)
	}
	if err == nil {
		err = deliver(rows, calls)
	}
	if err != nil {
		for _, c := range calls {
			c.data, c.err = nil, err
		}
	}
}

// deliver scans rows of (id, data) into the calls asking for each id, and
// closes rows.
func deliver(rows *sql.Rows, calls []*readCall) error {
	defer rows.Close()
	for rows.Next() {
		var id sql.RawBytes
		var data []byte
		if err := rows.Scan(&id, &data); err != nil {
			return err
		}
		for _, c := range calls {
			if c.id == string(id) {
				c.data = data
			}
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return rows.Close()
}

// batchReadQuery is the batched session read for n ids, before rebinding.
func batchReadQuery(table string, n int) string {
	return `SELECT id, data FROM ` + table + ` WHERE id IN (?` + strings.Repeat(`, ?`, n-1) + `) AND expires_at > ?`
}
