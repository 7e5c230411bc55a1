package store

import (
	"errors"
	"time"
)

// DB is an open libyawire database. It is safe for concurrent use.
type DB struct{}

// Options tunes Open. A nil *Options means the defaults.
type Options struct {
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Timeout is how long Open waits for another process to release the
	// file; zero means one second.
	Timeout time.Duration
	// NoSync skips fsync on commit. Only for tests and benchmarks.
	NoSync bool
}

// Result counts what one Ingest did.
type Result struct {
	New     int // stories stored for the first time
	Updated int // stories changed in place
	Merged  int // items that were already stored from another source
}

// TagCount is a tag and the number of stories that carry it.
type TagCount struct {
	Slug  string
	Count int
}

var errTODO = errors.New("not yet")

func Open(path string, opts *Options) (*DB, error) { return nil, errTODO }
func (db *DB) Close() error                        { return errTODO }
func (db *DB) Ingest(source string, items []Item, st SourceState) (Result, error) {
	return Result{}, errTODO
}
func (db *DB) SetState(st SourceState)                {}
func (db *DB) Flush() error                           { return errTODO }
func (db *DB) State(name string) (SourceState, error) { return SourceState{}, errTODO }
func (db *DB) States() ([]SourceState, error)         { return nil, errTODO }
func (db *DB) Items(q Query) ([]Item, error)          { return nil, errTODO }
func (db *DB) Item(id uint64) (Item, error)           { return Item{}, errTODO }
func (db *DB) Generation() uint64                     { return 0 }
func (db *DB) Changed() time.Time                     { return time.Time{} }
func (db *DB) Instance() string                       { return "" }
func (db *DB) Tags() ([]TagCount, error)              { return nil, errTODO }
