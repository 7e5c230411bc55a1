package fetch

import (
	"context"
	"fmt"
	"net/http"
)

// maxRedirects is how many redirects one fetch follows.
const maxRedirects = 10

var errTooManyRedirects = fmt.Errorf("more than %d redirects", maxRedirects)

// hops records the redirects of one request, so that the fetcher can tell
// whether the configured URL has moved for good.
type hops struct {
	permanent bool   // every redirect so far was 301 or 308
	movedTo   string // where the last of those permanent redirects led
}

type hopsKey struct{}

// checkRedirect is the client's redirect policy: at most maxRedirects,
// never the same URL twice, and a note of permanent moves for the fetch
// that asked, through the request's context.
func checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) > maxRedirects {
		return errTooManyRedirects
	}
	for _, v := range via {
		if v.URL.String() == req.URL.String() {
			return fmt.Errorf("%w: %s comes back to %s", errRedirectLoop, via[len(via)-1].URL, req.URL)
		}
	}
	if h, ok := req.Context().Value(hopsKey{}).(*hops); ok {
		code := req.Response.StatusCode
		if len(via) == 1 {
			h.permanent = true
		}
		if h.permanent && (code == http.StatusMovedPermanently || code == http.StatusPermanentRedirect) {
			h.movedTo = req.URL.String()
		} else {
			h.permanent = false
		}
	}
	return nil
}

// withHops returns a context that records the redirects of a request.
func withHops(ctx context.Context) (context.Context, *hops) {
	h := &hops{}
	return context.WithValue(ctx, hopsKey{}, h), h
}
