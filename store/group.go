package store

import (
	"errors"
	"slices"
	"sync"

	bolt "go.etcd.io/bbolt"
)

// maxGroup is how many writes one group commit runs in a transaction at
// most (bbolt's Batch takes as many, its MaxBatchSize). Writes queued
// beyond it wait for the next commit.
const maxGroup = 1000

// errSolo tells a write whose fn failed in a shared transaction to run
// again alone: the failure may have come of another write in it.
var errSolo = errors.New("run the write alone")

// groupCommit lets writes that arrive at the same moment share one
// transaction, and so one fsync, as bbolt's Batch does; but the shared
// transaction always runs in the goroutine of one of the writes' callers,
// under recoverDamage, never in one of bbolt's own, where a panic as it
// commits would end the process.
//
// The first write to find no commit running leads: it commits every write
// queued so far (itself first), up to maxGroup, in one transaction. Writes
// that arrive meanwhile queue; when the commit is done, the first of them
// leads the next one.
type groupCommit struct {
	mu      sync.Mutex
	leading bool    // a leader is committing; while false, queue is empty
	queue   []*call // writes waiting, the next leader first

	// Tests' hooks, nil otherwise: queued is called as each write joins
	// the queue; committing as a leader begins the transaction of n
	// writes; ran in that transaction once every fn has run, as bbolt is
	// about to commit it (an error fails the transaction).
	queued     func()
	committing func(n int)
	ran        func(tx *bolt.Tx) error
}

// call is one write in a group commit.
type call struct {
	fn  func(*bolt.Tx) error
	err error // set by the leader that ran fn
	// ready is sent true when this write is to lead the next commit, false
	// when a leader has set err.
	ready chan bool
}

// Batch runs fn in a write transaction that it may share with the fns of
// other goroutines' Batch calls made at the same moment. fn must start
// afresh each time it is called: when the shared transaction fails, or fn
// fails in it, fn runs again alone, so that it fails only its own caller.
// Each caller gets its own fn's outcome; damage, as in Update, is a
// *FileError.
func (b boltDB) Batch(fn func(*bolt.Tx) error) error {
	if fe := b.brokenBy(); fe != nil {
		return fe
	}
	g := b.group
	c := &call{fn: fn, ready: make(chan bool, 1)}
	g.mu.Lock()
	g.queue = append(g.queue, c)
	lead := !g.leading
	g.leading = true
	g.mu.Unlock()
	if g.queued != nil {
		g.queued()
	}
	if lead || <-c.ready {
		b.lead()
	}
	if c.err == errSolo {
		return b.Update(fn)
	}
	return b.recordError(c.err)
}

// lead takes the writes at the front of the queue, whose first is the
// caller's own, commits them, hands the lead to the next write waiting and
// tells the others taken how they fared.
func (b boltDB) lead() {
	g := b.group
	g.mu.Lock()
	n := min(len(g.queue), maxGroup)
	calls := g.queue[:n:n]
	g.queue = slices.Clone(g.queue[n:])
	g.mu.Unlock()

	b.commit(calls)

	g.mu.Lock()
	if len(g.queue) > 0 {
		g.queue[0].ready <- true
	} else {
		g.leading = false
	}
	g.mu.Unlock()
	for _, c := range calls[1:] {
		c.ready <- false
	}
}

// commit runs calls' fns in one transaction and sets each one's err. A fn
// that fails, or panics, is taken out and told to run alone (errSolo), and
// the others are run again without it. When the transaction fails
// otherwise, each runs alone, unless it was damage: a panic outside the
// fns, as bbolt commits or rolls back, which every caller is told of.
func (b boltDB) commit(calls []*call) {
	g := b.group
	calls = slices.Clone(calls) // lead tells each of the whole list
	for len(calls) > 0 {
		if fe := b.brokenBy(); fe != nil {
			// bbolt may hold its write lock for good.
			for _, c := range calls {
				c.err = fe
			}
			return
		}
		if g.committing != nil {
			g.committing(len(calls))
		}
		failed := -1
		returned := false
		err := func() (err error) {
			defer b.recoverDamage(&err, true)()
			err = b.DB.Update(func(tx *bolt.Tx) error {
				for i, c := range calls {
					if err := b.safely(c.fn, tx); err != nil {
						failed = i
						return err
					}
				}
				if g.ran != nil {
					return g.ran(tx)
				}
				return nil
			})
			returned = true
			return err
		}()
		switch {
		case !returned: // recoverDamage made err the *FileError
			for _, c := range calls {
				c.err = err
			}
			return
		case failed >= 0:
			calls[failed].err = errSolo
			calls = slices.Delete(calls, failed, failed+1)
			continue
		case err != nil && len(calls) > 1:
			err = errSolo
		}
		for _, c := range calls {
			c.err = err
		}
		return
	}
}
