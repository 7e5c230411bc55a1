package publish

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// bodyETag is a strong ETag for body: the first 16 hex digits of its
// SHA-256, quoted.
func bodyETag(body []byte) string {
	sum := sha256.Sum256(body)
	return `"` + hex.EncodeToString(sum[:8]) + `"`
}

// serveRendered answers a feed request from r: 304 when the client's copy
// is current, else the body, gzipped when the client accepts it. HEAD gets
// the headers alone.
func serveRendered(w http.ResponseWriter, req *http.Request, contentType string, r *rendered) {
	gz := acceptsGzip(req.Header.Values("Accept-Encoding"))
	etag := r.etag
	if gz {
		etag = r.gzETag
	}

	h := w.Header()
	h.Add("Vary", "Accept-Encoding")
	h.Set("Cache-Control", "max-age=60")
	h.Set("ETag", etag)
	if !r.lastModified.IsZero() {
		h.Set("Last-Modified", r.lastModified.UTC().Format(http.TimeFormat))
	}
	if notModified(req, r) {
		w.WriteHeader(http.StatusNotModified)
		return
	}

	body := r.body
	if gz {
		body = r.gzipped()
		h.Set("Content-Encoding", "gzip")
	}
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if req.Method != http.MethodHead {
		w.Write(body)
	}
}

// notModified reports whether the client's cached copy is current. An
// If-None-Match that names either variant of the body (identity or gzip)
// matches; If-Modified-Since counts only without If-None-Match (RFC 9110
// 13.1.3).
func notModified(req *http.Request, r *rendered) bool {
	if inm := req.Header.Values("If-None-Match"); len(inm) > 0 {
		return etagMatch(inm, r.etag) || etagMatch(inm, r.gzETag)
	}
	if r.lastModified.IsZero() {
		return false
	}
	ims, err := http.ParseTime(req.Header.Get("If-Modified-Since"))
	if err != nil {
		return false
	}
	// HTTP dates have whole seconds.
	return !r.lastModified.Truncate(time.Second).After(ims)
}

// etagMatch reports whether the If-None-Match field values list etag or
// "*", comparing weakly: W/"x" matches "x".
func etagMatch(values []string, etag string) bool {
	for _, v := range values {
		for _, tag := range strings.Split(v, ",") {
			tag = strings.TrimSpace(tag)
			if tag == "*" || strings.TrimPrefix(tag, "W/") == etag {
				return true
			}
		}
	}
	return false
}

// acceptsGzip reports whether the Accept-Encoding field values allow gzip:
// "gzip" or "x-gzip", or "*" when gzip is not named, with a q-value above 0.
func acceptsGzip(values []string) bool {
	gzip, star := -1.0, -1.0
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			coding, params, _ := strings.Cut(part, ";")
			q := 1.0
			for _, p := range strings.Split(params, ";") {
				name, value, ok := strings.Cut(strings.TrimSpace(p), "=")
				if ok && strings.EqualFold(strings.TrimSpace(name), "q") {
					if f, err := strconv.ParseFloat(strings.TrimSpace(value), 64); err == nil {
						q = f
					} else {
						q = 0
					}
				}
			}
			switch strings.ToLower(strings.TrimSpace(coding)) {
			case "gzip", "x-gzip":
				gzip = max(gzip, q)
			case "*":
				star = max(star, q)
			}
		}
	}
	if gzip >= 0 {
		return gzip > 0
	}
	return star > 0
}
