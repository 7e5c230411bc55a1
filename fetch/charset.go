package fetch

import (
	"bufio"
	"bytes"
	"io"
	"mime"
	"strings"

	"golang.org/x/net/html/charset"
)

// decodeCharset converts a body to UTF-8 when the Content-Type header names
// another charset and the body does not name its own. An XML declaration's
// encoding (which gofeed honours) or a byte-order mark outranks the header,
// as the XML specification says.
func decodeCharset(body io.Reader, contentType string) io.Reader {
	_, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return body
	}
	label := strings.ToLower(strings.TrimSpace(params["charset"]))
	if label == "" || label == "utf-8" || label == "utf8" || label == "us-ascii" {
		return body
	}
	br := bufio.NewReaderSize(body, 1024)
	head, _ := br.Peek(1024)
	if declaresEncoding(head) {
		return br
	}
	r, err := charset.NewReaderLabel(label, br)
	if err != nil {
		return br // an unknown label: let the parser try
	}
	return r
}

// declaresEncoding reports whether a document starts with a byte-order mark
// or an XML declaration that names an encoding.
func declaresEncoding(head []byte) bool {
	for _, bom := range [][]byte{{0xEF, 0xBB, 0xBF}, {0xFE, 0xFF}, {0xFF, 0xFE}} {
		if bytes.HasPrefix(head, bom) {
			return true
		}
	}
	head = bytes.TrimLeft(head, " \t\r\n")
	if !bytes.HasPrefix(head, []byte("<?xml")) {
		return false
	}
	end := bytes.Index(head, []byte("?>"))
	return end > 0 && bytes.Contains(head[:end], []byte("encoding"))
}
