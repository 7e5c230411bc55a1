package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/libyawire/libyawire/internal/cli"
)

// stalledConfig puts a named pipe where path's configuration was: a read
// of it stalls, as one from a hung network mount does, until the test
// opens the other end. It returns a function that waits (up to waitTime)
// for a reader to open it and then holds the writing end open, and a
// function that lets every read go.
func stalledConfig(t *testing.T, path string) (awaitReader func(), release func()) {
	t.Helper()
	fifo := path + ".fifo"
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("no named pipes here: %v", err)
	}
	if err := os.Rename(fifo, path); err != nil {
		t.Fatal(err)
	}
	var held []*os.File
	open := func() {
		t.Helper()
		opened := make(chan *os.File, 1)
		go func() {
			// Blocks until a reader opens the pipe.
			if f, err := os.OpenFile(path, os.O_WRONLY, 0); err == nil {
				opened <- f
			}
		}()
		select {
		case f := <-opened:
			held = append(held, f)
		case <-time.After(waitTime):
			t.Fatal("nothing started reading the configuration")
		}
	}
	release = func() {
		for _, f := range held {
			f.Close()
		}
		held = nil
		// Whatever opens the pipe from now on reads it empty at once.
		os.Remove(path)
		os.WriteFile(path, nil, 0o644)
	}
	return open, release
}

// TestSignalsDuringSlowReload: SIGTERM (here, the cancelled context that
// run gets for it) stops a daemon whose reload is stuck reading the
// configuration, within the usual shutdown time.
func TestSignalsDuringSlowReload(t *testing.T) {
	feedURL, _ := countingFeed(t, "Libya grain imports rise")
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte("listen: 127.0.0.1:0\ndatabase: slow.db\nsources:\n  - name: alpha\n    url: "+feedURL+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	d := startDaemon(t, path, 1)
	defer func() { d.stop() }()
	awaitReader, release := stalledConfig(t, path)
	t.Cleanup(release)
	// The rename over config.yaml starts a reload, and SIGHUP asks again.
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	awaitReader() // the reload is reading, and stays stuck there
	if resp, _ := d.get("/healthz"); resp.StatusCode != 200 {
		t.Errorf("/healthz during the reload: %s", resp.Status)
	}
	start := time.Now()
	if err := d.stop(); err != nil {
		t.Errorf("run: %v", err)
	}
	t.Logf("stopped %v after it was asked, mid-reload", time.Since(start).Round(time.Millisecond))
}

// TestCheckInterrupted: SIGINT (the cancelled context) stops `check`
// while it is stuck reading the configuration.
func TestCheckInterrupted(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.yaml")
	awaitReader, release := stalledConfig(t, path)
	t.Cleanup(release)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- cli.Run(ctx, []string{"check", "-config", path}, func(string) string { return "" }, io.Discard, io.Discard)
	}()
	awaitReader()
	cancel()
	select {
	case err := <-done:
		if err == nil {
			t.Error("check reported success after it was interrupted")
		}
	case <-time.After(2 * time.Second):
		t.Fatal("check has not returned 2s after it was interrupted")
	}
}
