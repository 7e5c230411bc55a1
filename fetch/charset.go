package fetch

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"mime"
	"regexp"
	"strings"

	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// decodeCharset readies a body for the parser. A byte-order mark or an XML
// declaration's encoding names the body's charset, and gofeed honours them
// (an encoding it cannot know is an error here, in words); otherwise a
// charset the Content-Type header names is converted to UTF-8, as the XML
// specification orders them.
func decodeCharset(body io.Reader, contentType string) (io.Reader, error) {
	br := bufio.NewReaderSize(body, 1024)
	head, _ := br.Peek(1024)
	if e := utf16Encoding(head); e != nil {
		// The XML parser reads UTF-8 only: decode, and say so in the
		// declaration, which named UTF-16.
		return declareUTF8(transform.NewReader(br, e.NewDecoder()))
	}
	if bytes.HasPrefix(head, []byte("\xEF\xBB\xBF")) {
		return br, nil // a UTF-8 byte-order mark names the charset
	}
	if label, ok := declaredEncoding(head); ok {
		if enc, _ := charset.Lookup(label); enc == nil {
			return nil, fmt.Errorf("unknown character set %q in the XML declaration", label)
		}
		return br, nil
	}
	_, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return br, nil
	}
	label := strings.ToLower(strings.TrimSpace(params["charset"]))
	if label == "" || label == "utf-8" || label == "utf8" || label == "us-ascii" {
		return br, nil
	}
	r, err := charset.NewReaderLabel(label, br)
	if err != nil {
		return br, nil // an unknown label in a header: let the parser try UTF-8
	}
	return r, nil
}

// utf16Encoding returns the UTF-16 encoding a document starts in, by its
// byte-order mark or by the shape of "<?" in it; nil for any other.
func utf16Encoding(head []byte) encoding.Encoding {
	switch {
	case bytes.HasPrefix(head, []byte{0xFE, 0xFF}), bytes.HasPrefix(head, []byte{0, '<', 0, '?'}):
		return unicode.UTF16(unicode.BigEndian, unicode.UseBOM)
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}), bytes.HasPrefix(head, []byte{'<', 0, '?', 0}):
		return unicode.UTF16(unicode.LittleEndian, unicode.UseBOM)
	}
	return nil
}

// declareUTF8 rewrites the encoding an XML declaration at the start of r
// names to UTF-8.
func declareUTF8(r io.Reader) (io.Reader, error) {
	br := bufio.NewReaderSize(r, 1024)
	head, err := br.Peek(1024)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return nil, err
	}
	fixed := encodingAttr.ReplaceAll(bytes.Clone(head), []byte(`encoding="UTF-8"`))
	if _, err := br.Discard(len(head)); err != nil {
		return nil, err
	}
	return io.MultiReader(bytes.NewReader(fixed), br), nil
}

var encodingAttr = regexp.MustCompile(`encoding\s*=\s*["']([^"']*)["']`)

// declaredEncoding returns the encoding an XML declaration at the start of
// head names, if it names one.
func declaredEncoding(head []byte) (string, bool) {
	head = bytes.TrimLeft(head, " \t\r\n")
	if !bytes.HasPrefix(head, []byte("<?xml")) {
		return "", false
	}
	end := bytes.Index(head, []byte("?>"))
	if end < 0 {
		return "", false
	}
	m := encodingAttr.FindSubmatch(head[:end])
	if m == nil {
		return "", false
	}
	return strings.TrimSpace(string(m[1])), true
}
