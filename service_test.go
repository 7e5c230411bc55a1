package main

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSystemdNotify runs the daemon as systemd would with Type=notify and
// WatchdogSec: it must say READY=1 once it listens, ping the watchdog while
// healthy, say RELOADING=1 then READY=1 around a reload, and STOPPING=1 at
// shutdown.
func TestSystemdNotify(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "notify.sock")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	states := make(chan string, 100)
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := conn.Read(buf)
			if err != nil {
				close(states)
				return
			}
			states <- string(buf[:n])
		}
	}()
	t.Setenv("NOTIFY_SOCKET", sock)
	t.Setenv("WATCHDOG_USEC", "300000") // pings every 100ms
	t.Setenv("WATCHDOG_PID", "")

	expect := func(want string) {
		t.Helper()
		deadline := time.After(waitTime)
		for {
			select {
			case got, ok := <-states:
				if !ok {
					t.Fatalf("the notify socket closed before %q", want)
				}
				if got == want {
					return
				}
				if got != "WATCHDOG=1" {
					t.Fatalf("systemd was told %q while waiting for %q", got, want)
				}
			case <-deadline:
				t.Fatalf("systemd was never told %q", want)
			}
		}
	}

	configPath := writeE2EConfig(t)
	d := startDaemon(t, configPath, 4)
	defer d.stop()
	expect("READY=1")
	for range 3 {
		select {
		case got := <-states:
			if got != "WATCHDOG=1" {
				t.Fatalf("systemd was told %q; want watchdog pings", got)
			}
		case <-time.After(waitTime):
			t.Fatal("no watchdog ping")
		}
	}

	cfg, err := os.ReadFile(configPath)
	if err != nil {
		t.Fatal(err)
	}
	from := d.log.next()
	edited := strings.Replace(string(cfg), "schedule: \"@every 1h\"", "schedule: \"@every 2h\"", 1)
	if err := os.WriteFile(configPath, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	d.log.waitLine(t, from, "configuration reloaded")
	expect("RELOADING=1")
	expect("READY=1")

	if err := d.stop(); err != nil {
		t.Fatal(err)
	}
	expect("STOPPING=1")
}
