// Command loadcheck measures the daemon under the load the README quotes:
// it serves many local RSS feeds, runs a built libyawire against them, and
// reports how long the first fetch cycle and a cycle of 304s take, how fast
// a cold feed request is, and the daemon's resident memory.
//
//	go build -o /tmp/libyawire . && go run ./tools/loadcheck -bin /tmp/libyawire
//
// Everything runs on 127.0.0.1 and stops by itself.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

func main() {
	bin := flag.String("bin", "", "the libyawire binary to run (required)")
	nSources := flag.Int("sources", 1000, "feeds to serve")
	nItems := flag.Int("items", 100, "items per feed")
	nHosts := flag.Int("hosts", 20, "ports to spread the feeds over (the daemon limits fetches per host)")
	flag.Parse()
	if *bin == "" {
		log.Fatal("-bin is required: go build -o /tmp/libyawire . first")
	}

	dir, err := os.MkdirTemp("", "loadcheck")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	var hosts []string
	for i := 0; i < *nHosts; i++ {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			log.Fatal(err)
		}
		hosts = append(hosts, ln.Addr().String())
		go http.Serve(ln, feeds(*nItems))
	}

	var cfg strings.Builder
	fmt.Fprintf(&cfg, "listen: 127.0.0.1:0\ndatabase: load.db\nschedule: \"* * * * *\"\nfetch:\n  concurrency: 8\nsources:\n")
	for i := 0; i < *nSources; i++ {
		fmt.Fprintf(&cfg, "  - name: s%d\n    url: http://%s/feed/%d\n    tags: [libya]\n", i, hosts[i%len(hosts)], i)
	}
	cfgPath := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(cfgPath, []byte(cfg.String()), 0o644); err != nil {
		log.Fatal(err)
	}

	cmd := exec.Command(*bin, "-config", cfgPath)
	cmd.Env = append(os.Environ(), "LIBYAWIRE_LOG=info")
	logs, err := cmd.StderrPipe()
	if err != nil {
		log.Fatal(err)
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		log.Fatal(err)
	}
	defer cmd.Process.Kill()
	base := waitListening(logs)
	fmt.Printf("sources %d, items per feed %d, stories %d\n", *nSources, *nItems, *nSources**nItems)

	first := waitCycle(base, *nSources, func(s source) bool { return !s.LastSuccess.IsZero() })
	fmt.Printf("first cycle (fetch, parse, store everything): %v\n", first.Sub(start).Round(time.Millisecond))
	report(cmd.Process.Pid, "after the first cycle")
	if fi, err := os.Stat(filepath.Join(dir, "load.db")); err == nil {
		fmt.Printf("database file: %.0f MB\n", float64(fi.Size())/1e6)
	}

	// The schedule fires on the next minute; every feed then answers 304.
	next := time.Now().Truncate(time.Minute).Add(time.Minute)
	waitCycle(base, *nSources, func(s source) bool { return s.Status == 304 })
	fmt.Printf("304 cycle: all %d sources done %v after the minute struck\n", *nSources, time.Since(next).Round(time.Millisecond))

	serveSome(base)
	report(cmd.Process.Pid, "after serving")

	// The steady state: a restart on the full database, every source
	// answering 304 to the validators kept from the first cycle.
	cmd.Process.Signal(os.Interrupt)
	cmd.Wait()
	cmd = exec.Command(*bin, "-config", cfgPath)
	cmd.Env = append(os.Environ(), "LIBYAWIRE_LOG=info")
	if logs, err = cmd.StderrPipe(); err != nil {
		log.Fatal(err)
	}
	start = time.Now()
	if err := cmd.Start(); err != nil {
		log.Fatal(err)
	}
	defer cmd.Process.Kill()
	base = waitListening(logs)
	done := waitCycle(base, *nSources, func(s source) bool { return s.Status == 304 && s.LastFetch.After(start) })
	fmt.Printf("restart: all %d sources answered 304 %v after start\n", *nSources, done.Sub(start).Round(time.Millisecond))
	serveSome(base)
	report(cmd.Process.Pid, "after a restart, a 304 cycle and serving")
}

// serveSome requests a few feeds, cache cold, and prints how long each took.
func serveSome(base string) {
	for _, path := range []string{"/feed.rss?tag=libya&limit=50", "/feed.atom?source=s7", "/feed.json?limit=500"} {
		t := time.Now()
		resp, err := http.Get(base + path)
		if err != nil {
			log.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		fmt.Printf("GET %s: %s, %d bytes, %v\n", path, resp.Status, n, time.Since(t).Round(time.Microsecond))
	}
}

// feeds serves /feed/N: an RSS feed of n items with stable GUIDs and an ETag.
func feeds(n int) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/feed/"))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		etag := fmt.Sprintf(`"feed-%d"`, id)
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Header().Set("ETag", etag)
		var b bytes.Buffer
		fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Feed %d</title><link>https://feed%d.example/</link><description>load</description>`, id, id)
		day := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
		for i := 0; i < n; i++ {
			fmt.Fprintf(&b, `<item><title>Report %d-%d on the Sirte water network</title><link>https://feed%d.example/news/%d</link><guid isPermaLink="false">f%d-%d</guid><pubDate>%s</pubDate><category>Water</category><description>Engineers in Sirte said pumping station %d would run at full capacity after repairs to the main line, which supplies the eastern districts.</description></item>`,
				id, i, id, i, id, i, day.Add(time.Duration(id*n+i)*time.Second).Format(time.RFC1123Z), i)
		}
		b.WriteString(`</channel></rss>`)
		w.Write(b.Bytes())
	})
}

// waitListening reads the daemon's log until it says where it listens, and
// then drains the rest in the background.
func waitListening(logs io.Reader) string {
	sc := bufio.NewScanner(logs)
	for sc.Scan() {
		line := sc.Text()
		if i := strings.Index(line, "addr="); i >= 0 && strings.Contains(line, "msg=listening") {
			go io.Copy(io.Discard, logs)
			return "http://" + strings.Fields(line[i+len("addr="):])[0]
		}
	}
	log.Fatal("the daemon exited before it listened")
	return ""
}

type source struct {
	Name        string    `json:"name"`
	Status      int       `json:"status"`
	LastFetch   time.Time `json:"last_fetch"`
	LastSuccess time.Time `json:"last_success"`
	Error       string    `json:"error"`
}

// waitCycle polls /api/sources until done holds for every source, and
// returns when it first did.
func waitCycle(base string, n int, done func(source) bool) time.Time {
	deadline := time.Now().Add(5 * time.Minute)
	for time.Now().Before(deadline) {
		resp, err := http.Get(base + "/api/sources")
		if err == nil {
			var srcs []source
			err = json.NewDecoder(resp.Body).Decode(&srcs)
			resp.Body.Close()
			count := 0
			for _, s := range srcs {
				if done(s) {
					count++
				}
			}
			if err == nil && count == n {
				return time.Now()
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	log.Fatal("the cycle did not finish in 5 minutes")
	return time.Time{}
}

// report prints the daemon's memory as the kernel counts it: anonymous
// memory is the process's own; file pages are the database's mapped pages,
// which the kernel reclaims under pressure.
func report(pid int, when string) {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		log.Fatal(err)
	}
	fields := map[string]string{}
	for _, line := range strings.Split(string(status), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok {
			fields[k] = strings.TrimSpace(v)
		}
	}
	fmt.Printf("memory %s: VmRSS %s (anonymous %s, file %s), peak VmHWM %s\n",
		when, fields["VmRSS"], fields["RssAnon"], fields["RssFile"], fields["VmHWM"])
}
