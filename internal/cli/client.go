package cli

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

// The fetch, sources and backup commands need the database, which the
// daemon holds while it runs. So each first asks whether a daemon answers
// at the config's listen address, and if one does, asks it over HTTP
// instead: this file is that client.

// probeTimeout bounds the question whether a daemon is running.
const probeTimeout = time.Second

// runningDaemon returns the base URL of the daemon that listens at listen,
// or "" when nothing answers its /healthz within probeTimeout. Any answer
// counts, a 503 too: a daemon that is not healthy still holds the database.
func runningDaemon(ctx context.Context, listen string) string {
	addr := dialAddr(listen)
	if addr == "" {
		return ""
	}
	base := "http://" + addr
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/healthz", nil)
	if err != nil {
		return ""
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return ""
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
	resp.Body.Close()
	return base
}

// dialAddr returns the address at which to reach a daemon that listens at
// listen, or "" when there is none: a daemon on port 0 has a port no one
// else knows.
func dialAddr(listen string) string {
	host, port, err := net.SplitHostPort(listen)
	if err != nil || port == "0" {
		return ""
	}
	// A daemon on every interface is on the loopback one too.
	if ip := net.ParseIP(host); host == "" || ip.To4() != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	} else if ip != nil && ip.IsUnspecified() {
		host = "::1"
	}
	return net.JoinHostPort(host, port)
}

// answerText is an HTTP error answer as one line: its status and the
// start of its body, which for libyawire's errors says what to change.
func answerText(resp *http.Response) string {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	text := strings.Join(strings.Fields(string(body)), " ")
	if text == "" {
		return resp.Status
	}
	return resp.Status + ": " + text
}
