package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"slices"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// A damaged file cannot be left to bbolt: it panics on a page that does not
// decode and faults on one the file lost. So CheckFile and Salvage read the
// file's pages themselves, following the trees from the meta page and
// checking every offset before they use it; a page that does not decode
// costs the keys beneath it, and nothing else.

// salvageBatch is how many stories Salvage writes per transaction.
const salvageBatch = 500

// FileReport is what CheckFile or Salvage found in a database file.
type FileReport struct {
	Stories int // stories whose record decodes (and, for Salvage, copied)
	Lost    int // stories the file counts that could not be read
	Sources int // source states that decode (and were copied)
	// Scanned is how many of Stories were found by reading every page of
	// the file, as the pages above them were lost. A story deleted since
	// (or a story's older version, when its page was freed) may be among
	// them.
	Scanned int
	// SequenceLost says that the stories bucket's sequence, which numbers
	// new stories, could not be read: Salvage goes on from the highest id
	// the file still names, and stories lost with higher ids may see
	// theirs given again.
	SequenceLost bool
	Damage       []string // the first maxProblems damaged pages and records
	More         int      // how many more Damage did not list
	// Inconsistencies is Verify's answer for the file (CheckFile) or for
	// the copy (Salvage), when the pages could all be read.
	Inconsistencies error
}

// Damaged reports whether the file had pages or records that did not decode.
func (r *FileReport) Damaged() bool { return len(r.Damage) > 0 }

func (r *FileReport) damage(format string, args ...any) {
	if len(r.Damage) < maxProblems {
		r.Damage = append(r.Damage, fmt.Sprintf(format, args...))
		return
	}
	r.More++
}

// CheckFile reads every page and record of the database at path that its
// trees reach, without bbolt, and reports what cannot be read; when all of
// it can, it also checks the indexes against the stories (Verify). It
// changes nothing, and fails with ErrLocked while a process has the file
// open for writing, as the daemon does.
func CheckFile(path string) (*FileReport, error) {
	r, err := scanFile(path, nil)
	if err != nil {
		return nil, err
	}
	if !r.Damaged() {
		bdb, err := openReadOnly(path)
		if err != nil {
			return r, withPath("check", path, err)
		}
		defer bdb.Close()
		var problems []string
		err = boltDB{DB: bdb, path: path}.View(func(tx *bolt.Tx) error {
			problems = verify(tx)
			return nil
		})
		if err != nil {
			return r, err
		}
		r.Inconsistencies = problemsError(problems)
	}
	return r, nil
}

// Salvage copies what can be read of the database at path into a new
// database at dest, which must not exist: every story whose record
// decodes, with its indexes built anew, the source states, and the item
// keys, links and tombstones of the stories copied. A story that is lost
// is forgotten with its item keys, so that a source that still lists it
// brings it back, under a new id. Story ids already given out are never
// given out again.
func Salvage(path, dest string) (*FileReport, error) {
	if _, err := os.Stat(dest); !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("salvage into %s: the file exists; name a new one", dest)
	}
	db, err := Open(dest, &Options{NoSync: true})
	if err != nil {
		return nil, err
	}
	s := &salvager{db: db, saved: map[uint64]bool{}}
	r, err := scanFile(path, s)
	if err == nil {
		r.Inconsistencies = db.Verify()
	}
	if cerr := db.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err == nil {
		err = syncFile(dest)
	}
	if err != nil {
		os.Remove(dest)
		return nil, fmt.Errorf("salvage %s into %s: %w", path, dest, err)
	}
	return r, nil
}

// salvager writes into the new database what scanFile reads.
type salvager struct {
	db      *DB
	batch   []Item
	saved   map[uint64]bool // the stories copied
	maxID   uint64          // the stories bucket's sequence, or its largest id
	meta    map[string][]byte
	sources map[string][]byte
	links   map[string][]byte
	keys    map[[2]string][]byte // source, item key -> id
	gone    [][2]string
}

func (s *salvager) story(it Item) error {
	s.batch = append(s.batch, it)
	s.saved[it.ID] = true
	s.maxID = max(s.maxID, it.ID)
	if len(s.batch) >= salvageBatch {
		return s.flush()
	}
	return nil
}

func (s *salvager) flush() error {
	if len(s.batch) == 0 {
		return nil
	}
	err := s.db.bolt.Update(func(tx *bolt.Tx) error {
		w := newWriter(tx, "", s.db.now())
		for i := range s.batch {
			if err := w.save(&s.batch[i], nil); err != nil {
				return err
			}
		}
		return nil
	})
	s.batch = s.batch[:0]
	return err
}

// finish writes what goes beside the stories.
func (s *salvager) finish() error {
	if err := s.flush(); err != nil {
		return err
	}
	return s.db.bolt.Update(func(tx *bolt.Tx) error {
		for _, put := range []func(*bolt.Tx) error{s.putMeta, s.putSources, s.putLinks, s.putKeys, putStoryKeys} {
			if err := put(tx); err != nil {
				return err
			}
		}
		return nil
	})
}

// putMeta copies the old file's meta, but for its version: the new
// database has its own.
func (s *salvager) putMeta(tx *bolt.Tx) error {
	meta := tx.Bucket(bucketMeta)
	for k, v := range s.meta {
		if k != "version" {
			if err := meta.Put([]byte(k), v); err != nil {
				return err
			}
		}
	}
	return nil
}

// putSources copies the source states that decode.
func (s *salvager) putSources(tx *bolt.Tx) error {
	for k, v := range s.sources {
		if err := tx.Bucket(bucketSources).Put([]byte(k), v); err != nil {
			return err
		}
	}
	return nil
}

// putLinks copies the links of the stories copied.
func (s *salvager) putLinks(tx *bolt.Tx) error {
	for k, v := range s.links {
		if s.saved[idOf(v)] {
			if err := tx.Bucket(bucketLinks).Put([]byte(k), v); err != nil {
				return err
			}
		}
	}
	return nil
}

// putKeys copies the item keys of the stories copied, and those marked
// gone with their tombstones.
func (s *salvager) putKeys(tx *bolt.Tx) error {
	gone := map[[2]string]bool{}
	for _, g := range s.gone {
		gone[g] = true
	}
	for sk, v := range s.keys {
		if !s.saved[idOf(v)] && !gone[sk] {
			continue
		}
		b, err := tx.Bucket(bucketKeys).CreateBucketIfNotExists([]byte(sk[0]))
		if err != nil {
			return err
		}
		if err := b.Put([]byte(sk[1]), v); err != nil {
			return err
		}
		if gone[sk] {
			g, err := tx.Bucket(bucketGone).CreateBucketIfNotExists([]byte(sk[0]))
			if err != nil {
				return err
			}
			if err := g.Put([]byte(sk[1]), nil); err != nil {
				return err
			}
		}
	}
	return nil
}

// putStoryKeys makes each copy's key name its story, whether or not
// keys/<name> could be read; so does the story's link, unless another
// story has it.
func putStoryKeys(tx *bolt.Tx) error {
	return tx.Bucket(bucketStories).ForEach(func(k, v []byte) error {
		var it Item
		if err := json.Unmarshal(v, &it); err != nil {
			return err
		}
		for _, c := range it.Copies {
			b, err := tx.Bucket(bucketKeys).CreateBucketIfNotExists([]byte(c.Source))
			if err != nil {
				return err
			}
			if err := b.Put([]byte(c.Key), k); err != nil {
				return err
			}
		}
		if canon := CanonicalLink(it.Link); canon != "" && tx.Bucket(bucketLinks).Get([]byte(canon)) == nil {
			if err := tx.Bucket(bucketLinks).Put([]byte(canon), k); err != nil {
				return err
			}
		}
		return nil
	})
}

// scanFile reads the file at path page by page and reports what it found;
// with s, it hands s what it can read.
func scanFile(path string, s *salvager) (*FileReport, error) {
	f, size, err := openToScan(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if size == 0 {
		return nil, checkFile(path, false)
	}
	m, err := fileMeta(path, f, size)
	if err != nil {
		return nil, err
	}
	p := &pages{f: f, size: size, pageSize: int64(m.pageSize), high: m.pgid, r: &FileReport{}}
	if want := int64(m.pgid) * int64(m.pageSize); size < want {
		p.r.damage("the file is %d bytes, its header says %d: it was cut short", size, want)
	}
	sc := newScan(p, m.root, s)
	sc.stories()
	if p.r.Damaged() {
		sc.scanLeaves()
	}
	sc.countLost()
	sc.sources()
	if s == nil {
		sc.indexes()
		return p.r, nil
	}
	sc.salvage()
	if sc.werr != nil {
		return nil, sc.werr
	}
	if err := s.finish(); err != nil {
		return nil, err
	}
	// Past every id the old file gave out.
	err = s.db.bolt.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketStories).SetSequence(s.maxID)
	})
	if err != nil {
		return nil, err
	}
	return p.r, nil
}

// openToScan opens the file at path for scanFile, with a shared lock, as
// a file being written would look damaged, and returns it with its size.
func openToScan(path string) (*os.File, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, fmt.Errorf("check %s: %w", path, err)
	}
	if err := lockShared(f); err != nil {
		f.Close()
		return nil, 0, fmt.Errorf("check %s: %w", path, err)
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, fmt.Errorf("check %s: %w", path, err)
	}
	return f, info.Size(), nil
}

// scan is one reading of a file's buckets for scanFile, which hands s,
// when not nil, what it reads.
type scan struct {
	p    *pages
	r    *FileReport
	top  map[string]*bucketRef // the top-level buckets that could be read
	seen map[uint64]bool       // the ids of the stories bucket's keys
	s    *salvager
	werr error // the first error of s.story, after which s is handed no more stories
}

// newScan reads the root bucket at root and reports each top-level bucket
// it cannot read.
func newScan(p *pages, root uint64, s *salvager) *scan {
	sc := &scan{p: p, r: p.r, top: map[string]*bucketRef{}, seen: map[uint64]bool{}, s: s}
	p.walk(root, nil, "", func(k, v []byte, ref *bucketRef) {
		if ref != nil {
			sc.top[string(k)] = ref
		}
	})
	for _, name := range allBuckets {
		if sc.top[string(name)] == nil {
			p.r.damage("bucket %s cannot be read", name)
		}
	}
	return sc
}

// each calls fn for each key of the top-level bucket name that can be read.
func (sc *scan) each(name []byte, fn func(k, v []byte, ref *bucketRef)) {
	if ref := sc.top[string(name)]; ref != nil {
		sc.p.walk(ref.root, ref.inline, string(name), fn)
	}
}

// nested calls fn for each key that can be read of each bucket nested in
// the top-level bucket name, with the nested bucket's name.
func (sc *scan) nested(name []byte, fn func(sub string, k, v []byte)) {
	sc.each(name, func(sub, _ []byte, ref *bucketRef) {
		if ref != nil {
			sc.p.walk(ref.root, ref.inline, string(name)+"/"+string(sub), func(k, v []byte, _ *bucketRef) { fn(string(sub), k, v) })
		}
	})
}

// keep hands a story that decodes to the salvager, if any, until it fails.
func (sc *scan) keep(it Item) {
	if sc.s != nil && sc.werr == nil {
		sc.werr = sc.s.story(it)
	}
}

// stories reads the stories bucket: its sequence, and each story, which
// it counts as read or lost.
func (sc *scan) stories() {
	if ref := sc.top[string(bucketStories)]; ref != nil && sc.s != nil {
		sc.s.maxID = ref.sequence
	} else if ref == nil {
		sc.r.SequenceLost = true
	}
	sc.each(bucketStories, func(k, v []byte, _ *bucketRef) {
		sc.seen[idOf(k)] = true
		var it Item
		if err := json.Unmarshal(v, &it); err != nil || len(k) != 8 || it.ID != idOf(k) {
			sc.r.damage("story %d: its record does not decode (%v)", idOf(k), err)
			sc.r.Lost++
			return
		}
		sc.r.Stories++
		sc.keep(it)
	})
}

// scanLeaves finds the stories beneath a page that was lost, which may
// still be on theirs, by reading every leaf page of the file.
func (sc *scan) scanLeaves() {
	found := map[uint64]Item{}
	sc.p.leaves(func(k, v []byte) {
		var it Item
		if len(k) != 8 || sc.seen[idOf(k)] || json.Unmarshal(v, &it) != nil || it.ID != idOf(k) || len(it.Copies) == 0 {
			return
		}
		// A page bbolt freed holds an older version: the newest wins.
		if old, ok := found[it.ID]; !ok || it.Modified.After(old.Modified) {
			found[it.ID] = it
		}
	})
	for _, id := range slices.Sorted(maps.Keys(found)) {
		sc.r.Stories++
		sc.r.Scanned++
		sc.keep(found[id])
	}
}

// countLost counts as lost the stories beneath a page that does not
// decode, which are not seen at all: the count says how many there were.
func (sc *scan) countLost() {
	counted := -1
	sc.each(bucketCounts, func(k, v []byte, _ *bucketRef) {
		if string(k) == string(countStories) && len(v) == 8 {
			counted = int(binary.BigEndian.Uint64(v))
		}
	})
	if unseen := counted - sc.r.Stories - sc.r.Lost; unseen > 0 {
		sc.r.Lost += unseen
	}
}

// sources reads the source states.
func (sc *scan) sources() {
	sc.each(bucketSources, func(k, v []byte, _ *bucketRef) {
		var st SourceState
		if err := json.Unmarshal(v, &st); err != nil {
			sc.r.damage("source %s: its state does not decode (%v)", k, err)
			return
		}
		sc.r.Sources++
		if sc.s != nil {
			sc.s.sources = setKey(sc.s.sources, string(k), v)
		}
	})
}

// salvage hands the salvager the meta, links, item keys and tombstones.
func (sc *scan) salvage() {
	s := sc.s
	sc.each(bucketMeta, func(k, v []byte, _ *bucketRef) { s.meta = setKey(s.meta, string(k), v) })
	sc.each(bucketLinks, func(k, v []byte, _ *bucketRef) {
		s.links = setKey(s.links, string(k), v)
		s.maxID = max(s.maxID, idOf(v))
	})
	s.keys = map[[2]string][]byte{}
	sc.nested(bucketKeys, func(sub string, k, v []byte) {
		s.keys[[2]string{sub, string(k)}] = v
		s.maxID = max(s.maxID, idOf(v))
	})
	sc.nested(bucketGone, func(sub string, k, _ []byte) { s.gone = append(s.gone, [2]string{sub, string(k)}) })
}

// indexes reads the buckets not read yet, for the damage they may hide.
func (sc *scan) indexes() {
	for _, name := range allBuckets {
		switch string(name) {
		case string(bucketStories), string(bucketCounts), string(bucketSources):
		case string(bucketTags), string(bucketBySource), string(bucketKeys), string(bucketGone):
			sc.nested(name, func(string, []byte, []byte) {})
		default:
			sc.each(name, func([]byte, []byte, *bucketRef) {})
		}
	}
}

func setKey(m map[string][]byte, k string, v []byte) map[string][]byte {
	if m == nil {
		m = map[string][]byte{}
	}
	m[k] = v
	return m
}

// problemsError is Verify's error for problems, or nil for none.
func problemsError(problems []string) error {
	if len(problems) == 0 {
		return nil
	}
	more := ""
	if len(problems) > maxProblems {
		more = fmt.Sprintf("\n(and %d more)", len(problems)-maxProblems)
		problems = problems[:maxProblems]
	}
	return fmt.Errorf("verify: %d inconsistencies:\n%s%s", len(problems), strings.Join(problems, "\n"), more)
}

// pages reads a bbolt file's pages with every offset checked.
type pages struct {
	f        *os.File
	size     int64
	pageSize int64
	high     uint64 // the high-water page id
	r        *FileReport
	depth    int
}

// bucketRef is where a bucket's keys are: its root page, or, for a small
// bucket, the page held inline in its parent's value.
type bucketRef struct {
	root     uint64
	sequence uint64
	inline   []byte
}

const (
	branchPage = 0x01
	leafPage   = 0x02
	bucketLeaf = 0x01
	elemSize   = 16
	maxDepth   = 64 // deeper than any tree of a file this size: a loop
)

// leaves calls fn for each key of every leaf page in the file that
// decodes, whether or not a tree reaches it.
func (p *pages) leaves(fn func(k, v []byte)) {
	le := binary.LittleEndian
	for id := uint64(2); id < p.high; id++ {
		page, err := p.read(id)
		if err != nil {
			continue
		}
		id += uint64(len(page))/uint64(p.pageSize) - 1
		if le.Uint16(page[8:]) != leafPage {
			continue
		}
		count := int(le.Uint16(page[10:]))
		if pageHeaderSize+count*elemSize > len(page) {
			continue
		}
		for i := range count {
			e := pageHeaderSize + i*elemSize
			pos, ksize, vsize := int(le.Uint32(page[e+4:])), int(le.Uint32(page[e+8:])), int(le.Uint32(page[e+12:]))
			start := e + pos
			if le.Uint32(page[e:])&bucketLeaf != 0 || start+ksize+vsize > len(page) || start+ksize+vsize < start {
				continue
			}
			fn(page[start:start+ksize], page[start+ksize:start+ksize+vsize])
		}
	}
}

// read returns page id, with its overflow pages, or a description of why
// it cannot.
func (p *pages) read(id uint64) ([]byte, error) {
	if id < 2 || id >= p.high {
		return nil, fmt.Errorf("page %d is outside the file's %d pages", id, p.high)
	}
	off := int64(id) * p.pageSize
	if off+p.pageSize > p.size {
		return nil, fmt.Errorf("page %d is past the end of the file", id)
	}
	head := make([]byte, pageHeaderSize)
	if _, err := p.f.ReadAt(head, off); err != nil {
		return nil, fmt.Errorf("page %d: %w", id, err)
	}
	overflow := int64(binary.LittleEndian.Uint32(head[12:]))
	n := (1 + overflow) * p.pageSize
	if uint64(id)+uint64(overflow) >= p.high || off+n > p.size {
		return nil, fmt.Errorf("page %d says it runs %d pages on, past the end of the file", id, overflow)
	}
	buf := make([]byte, n)
	if _, err := p.f.ReadAt(buf, off); err != nil {
		return nil, fmt.Errorf("page %d: %w", id, err)
	}
	if got := binary.LittleEndian.Uint64(buf); got != id {
		return nil, fmt.Errorf("page %d says it is page %d", id, got)
	}
	return buf, nil
}

// walk calls fn for each key of the bucket at root (or inline, when root
// is 0) that can be read, in order, with the nested bucket's place for a
// key that names one; it reports each page it cannot read under name.
func (p *pages) walk(root uint64, inline []byte, name string, fn func(k, v []byte, ref *bucketRef)) {
	if name == "" {
		name = "the root bucket"
	}
	var page []byte
	var err error
	if root == 0 {
		page = inline
		if len(page) < pageHeaderSize {
			p.r.damage("%s: its inline page is cut short", name)
			return
		}
	} else if page, err = p.read(root); err != nil {
		p.r.damage("%s: %v", name, err)
		return
	}
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxDepth {
		p.r.damage("%s: page %d: its tree loops", name, root)
		return
	}
	le := binary.LittleEndian
	flags := le.Uint16(page[8:])
	count := int(le.Uint16(page[10:]))
	if pageHeaderSize+count*elemSize > len(page) {
		p.r.damage("%s: page %d: %d elements do not fit it", name, root, count)
		return
	}
	for i := range count {
		e := pageHeaderSize + i*elemSize
		switch flags {
		case branchPage:
			child := le.Uint64(page[e+8:])
			p.walk(child, nil, name, fn)
		case leafPage:
			eflags := le.Uint32(page[e:])
			pos, ksize, vsize := int(le.Uint32(page[e+4:])), int(le.Uint32(page[e+8:])), int(le.Uint32(page[e+12:]))
			start := e + pos
			if pos < 0 || ksize < 0 || vsize < 0 || start+ksize+vsize > len(page) || start+ksize+vsize < start {
				p.r.damage("%s: page %d: element %d points outside the page", name, root, i)
				continue
			}
			k := page[start : start+ksize]
			v := page[start+ksize : start+ksize+vsize]
			if eflags&bucketLeaf == 0 {
				fn(k, v, nil)
				continue
			}
			if len(v) < 16 {
				p.r.damage("%s: page %d: bucket %q: its header is cut short", name, root, k)
				continue
			}
			ref := &bucketRef{root: le.Uint64(v), sequence: le.Uint64(v[8:])}
			if ref.root == 0 {
				ref.inline = v[16:]
			}
			fn(k, v, ref)
		default:
			p.r.damage("%s: page %d does not decode (type %#x)", name, root, flags)
			return
		}
	}
}
