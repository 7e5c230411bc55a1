package fetch

import (
	"bufio"
	"bytes"
	"io"
)

// XML 1.0 allows no control characters but tab, line feed and carriage
// return, nor U+FFFE and U+FFFF, whether written as bytes or as character
// references (&#x1b;, &#0;), and the XML parser refuses a whole feed for
// one. gofeed drops such bytes; dropControls drops the references too, and
// in a JSON Feed the \u escapes of the same characters, so that one stray
// escape character costs a feed that character, not every story in it.

// dropControls returns r without the control characters XML 1.0 forbids:
// raw bytes, character references to them, and, when r holds JSON (its
// first byte that is not white space is '{'), \u escapes of them.
func dropControls(r io.Reader) io.Reader {
	br := bufio.NewReader(r)
	head, _ := br.Peek(512)
	head = bytes.TrimPrefix(head, []byte("\xEF\xBB\xBF"))
	head = bytes.TrimLeft(head, " \t\r\n")
	return &controlFilter{r: br, json: len(head) > 0 && head[0] == '{'}
}

// controlFilter is dropControls' reader. A reference or escape that a read
// ends inside is held until the rest of it comes.
type controlFilter struct {
	r    io.Reader
	json bool
	buf  []byte
	out  []byte // filtered bytes
	off  int    // of which those before off are returned

	// The reference or escape being read: its bytes so far, but for the
	// leading zeros of its number, which are counted (a reference may have
	// any number of them), and the value of its digits.
	state   refState
	pending []byte
	zeros   int
	digits  int
	value   rune

	// joined: the bytes just written are a beginning given up on because
	// a reference began, so that if that reference is dropped, what
	// follows could join them into a forbidden one (&#1&#0;1; would make
	// &#11;). Such a reference is replaced by U+FFFD instead.
	joined bool
}

type refState int

const (
	text      refState = iota
	amp                // &
	hash               // &#
	decimal            // &#1
	hexStart           // &#x
	hexDigits          // &#x1
	backslash          // JSON: \
	uEscape            // JSON: \u, then four hex digits
)

func (c *controlFilter) Read(p []byte) (int, error) {
	if c.off == len(c.out) {
		c.out, c.off = c.out[:0], 0
	}
	for len(c.out) == 0 {
		if c.buf == nil {
			c.buf = make([]byte, 32<<10)
		}
		n, err := c.r.Read(c.buf)
		c.filter(c.buf[:n])
		if err == io.EOF {
			c.flush()
		}
		if err != nil {
			if len(c.out) == 0 {
				return 0, err
			}
			break
		}
	}
	n := copy(p, c.out[c.off:])
	c.off += n
	return n, nil
}

// filter appends chunk, filtered, to c.out.
func (c *controlFilter) filter(chunk []byte) {
	for len(chunk) > 0 {
		if c.state == text {
			// Copy the run of bytes up to one that may begin something.
			i := 0
			for i < len(chunk) && !special(chunk[i]) {
				i++
			}
			if i > 0 {
				c.out = append(c.out, chunk[:i]...)
				c.joined = false
			}
			chunk = chunk[i:]
			if len(chunk) == 0 {
				return
			}
		}
		c.step(chunk[0])
		chunk = chunk[1:]
	}
}

// special reports whether b may begin something controlFilter drops.
func special(b byte) bool { return b < 0x20 || b == '&' || b == '\\' }

// step reads one byte.
func (c *controlFilter) step(b byte) {
	if forbidden(rune(b)) {
		return // a raw control byte, wherever it is, as if it were not there
	}
	switch c.state {
	case text:
		c.stepText(b)
	case amp, hash, decimal, hexStart, hexDigits:
		c.stepReference(b)
	case backslash, uEscape:
		c.stepEscape(b)
	}
}

// stepText reads a byte of text, which may begin a reference or escape.
func (c *controlFilter) stepText(b byte) {
	switch {
	case b == '&':
		c.begin(amp, b)
	case b == '\\' && c.json:
		c.begin(backslash, b)
	default:
		c.out = append(c.out, b)
		c.joined = false
	}
}

// stepReference reads a byte of a character reference: &#, then decimal
// digits or x and hexadecimal ones, then ;.
func (c *controlFilter) stepReference(b byte) {
	switch c.state {
	case amp:
		if b != '#' {
			c.abandon(b)
			return
		}
		c.state = hash
		c.pending = append(c.pending, b)
	case hash:
		switch {
		case b == 'x' || b == 'X':
			c.state = hexStart
			c.pending = append(c.pending, b)
		case b >= '0' && b <= '9':
			c.state = decimal
			c.digit(b, 10)
		default:
			c.abandon(b)
		}
	case decimal:
		switch {
		case b == ';':
			c.end(b)
		case b >= '0' && b <= '9':
			c.digit(b, 10)
		default:
			c.abandon(b)
		}
	case hexStart, hexDigits:
		switch {
		case b == ';' && c.state == hexDigits:
			c.end(b)
		case hexValue(b) < 16:
			c.state = hexDigits
			c.digit(b, 16)
		default:
			c.abandon(b)
		}
	}
}

// stepEscape reads a byte of a JSON escape: \, then u and four hexadecimal
// digits, or any other byte.
func (c *controlFilter) stepEscape(b byte) {
	switch c.state {
	case backslash:
		if b == 'u' {
			c.state = uEscape
			c.pending = append(c.pending, b)
			return
		}
		// Any other escape, \\ and \" among them, is text.
		c.state = text
		c.emitPending()
		c.out = append(c.out, b)
		c.joined = false
	case uEscape:
		if hexValue(b) == 16 {
			c.abandon(b)
			return
		}
		c.digit(b, 16)
		if c.zeros+c.digits == 4 {
			c.end(0)
		}
	}
}

// begin starts holding a reference or escape at b.
func (c *controlFilter) begin(s refState, b byte) {
	c.state, c.pending, c.zeros, c.digits, c.value = s, append(c.pending[:0], b), 0, 0, 0
}

// digit adds a digit to the number being read. Leading zeros are counted,
// not held; past the largest code point the value stops growing, as such
// a reference is no control character (the parser reads it as U+FFFD).
func (c *controlFilter) digit(b byte, base rune) {
	if c.digits == 0 && b == '0' {
		c.zeros++
		return
	}
	c.pending = append(c.pending, b)
	c.digits++
	if c.value <= 0x10FFFF {
		c.value = c.value*base + hexValue(b)
	}
}

// end finishes a reference or escape with its last byte b (0 for none): it
// is dropped when it stands for a forbidden character, else kept as it came.
func (c *controlFilter) end(b byte) {
	c.state = text
	if forbidden(c.value) {
		c.pending, c.zeros, c.digits, c.value = c.pending[:0], 0, 0, 0
		if c.joined {
			c.out = append(c.out, "\uFFFD"...)
			c.joined = false
		}
		return
	}
	c.emitPending()
	c.joined = false
	if b != 0 {
		c.out = append(c.out, b)
	}
}

// abandon gives up on what is held, which is no reference or escape after
// all, and reads b afresh.
func (c *controlFilter) abandon(b byte) {
	c.state = text
	c.emitPending()
	c.joined = b == '&' || b == '\\' && c.json
	c.step(b)
}

// flush ends the stream: what is held is text.
func (c *controlFilter) flush() {
	if c.state != text {
		c.state = text
		c.emitPending()
	}
}

// emitPending writes the held bytes, their leading zeros back in place:
// after the "&#", "&#x" or "\\u" that begins them.
func (c *controlFilter) emitPending() {
	prefix := 2
	if len(c.pending) >= 3 && (c.pending[2] == 'x' || c.pending[2] == 'X') {
		prefix = 3
	}
	prefix = min(prefix, len(c.pending))
	c.out = append(c.out, c.pending[:prefix]...)
	for range c.zeros {
		c.out = append(c.out, '0')
	}
	c.out = append(c.out, c.pending[prefix:]...)
	c.pending, c.zeros, c.digits, c.value = c.pending[:0], 0, 0, 0
}

// forbidden reports whether XML 1.0 forbids the character r.
func forbidden(r rune) bool {
	return r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0xFFFE || r == 0xFFFF
}

// hexValue returns the value of a hexadecimal digit, or 16 for another byte.
func hexValue(b byte) rune {
	switch {
	case b >= '0' && b <= '9':
		return rune(b - '0')
	case b >= 'a' && b <= 'f':
		return rune(b-'a') + 10
	case b >= 'A' && b <= 'F':
		return rune(b-'A') + 10
	}
	return 16
}
