package sqlstore

// Hooks for the external tests of read batching.

// HoldReads makes s act as though all its reads in flight were running,
// so that the next reads wait in its queue.
func HoldReads(s *Store) {
	s.batch.mu.Lock()
	s.batch.running = s.batch.limit
	s.batch.mu.Unlock()
}

// ReleaseRead ends one of the reads HoldReads pretends are running: the
// reads waiting go, as batches.
func ReleaseRead(s *Store) { s.nextBatch() }

// ReadQueue returns how many reads wait, and how many run.
func ReadQueue(s *Store) (waiting, running int) {
	s.batch.mu.Lock()
	defer s.batch.mu.Unlock()
	return len(s.batch.queue), s.batch.running
}
