package store

import (
	"encoding/binary"
	"fmt"
	"os"
)

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
