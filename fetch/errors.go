package fetch

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"syscall"
	"time"
)

// Errors a fetch records, besides the ones that carry details.
var (
	errRedirectLoop = errors.New("redirect loop")
	errEmptyBody    = errors.New("empty body")
)

// errCancelled is the error of a fetch whose context ended before it
// did; errors.Is finds context.Canceled in it. Such a fetch is not recorded.
var errCancelled = fmt.Errorf("cancelled: %w", context.Canceled)

// Error is the error Fetch returns: the source it was fetching and what
// went wrong. Its text is "fetch NAME: CAUSE". Callers use errors.As to get
// the source and the cause without reading the text; errors.Is and
// errors.As see through it to the cause.
type Error struct {
	Source string // the source's name
	Err    error  // the cause, as the source's state records it
}

// Error returns "fetch NAME: CAUSE".
func (e *Error) Error() string { return "fetch " + e.Source + ": " + e.Err.Error() }

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// MaxText is how many characters of text that came from a feed or its
// server (a status line, a parse error, a redirect's URL) an error or a log
// line holds.
const MaxText = 200

// Clip returns s cut to MaxText characters, on a character boundary, with
// an ellipsis when it was cut.
func Clip(s string) string {
	n := 0
	for i := range s {
		if n == MaxText {
			return s[:i] + "…"
		}
		n++
	}
	return s
}

// clipped is an error whose text is clipped; errors.Is and errors.As see
// the error it wraps.
type clipped struct{ err error }

func (c clipped) Error() string { return Clip(c.err.Error()) }
func (c clipped) Unwrap() error { return c.err }

// describe turns the error of a request into the words a source's state
// shows: what went wrong, in terms an operator can act on.
func describe(err error, timeout time.Duration) error {
	var dnsErr *net.DNSError
	var certErr *tls.CertificateVerificationError
	var unknownAuthority x509.UnknownAuthorityError
	var hostnameErr x509.HostnameError
	var invalidCert x509.CertificateInvalidError
	var recordErr tls.RecordHeaderError
	var alertErr tls.AlertError
	var netErr net.Error
	switch {
	case errors.Is(err, context.Canceled):
		return errCancelled
	case errors.Is(err, errRedirectLoop), errors.Is(err, errTooManyRedirects), errors.Is(err, errLocalAddress):
		return unwrapURLError(err)
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return fmt.Errorf("timed out after %s", timeout)
	case errors.As(err, &dnsErr):
		if dnsErr.IsNotFound {
			return fmt.Errorf("DNS: no such host %s", dnsErr.Name)
		}
		return fmt.Errorf("DNS: looking up %s: %s", dnsErr.Name, dnsErr.Err)
	case errors.As(err, &certErr), errors.As(err, &unknownAuthority), errors.As(err, &hostnameErr),
		errors.As(err, &invalidCert), errors.As(err, &recordErr), errors.As(err, &alertErr):
		return fmt.Errorf("TLS: %s", unwrapURLError(err))
	case errors.Is(err, syscall.ECONNREFUSED):
		return errors.New("connection refused")
	case errors.Is(err, syscall.ECONNRESET):
		return errors.New("connection reset by the server")
	}
	return unwrapURLError(err)
}

// unwrapURLError drops the "Get "https://...": " that net/http puts before
// every error, by returning the cause a *url.Error holds: the source's state
// already names its URL.
func unwrapURLError(err error) error {
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		return urlErr.Err
	}
	return err
}
