package main

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowser opens the page at / of a running daemon in headless Chromium:
// the stories show, the Arabic one right to left, the filter form builds a
// feed URL, and the page fits a phone's width; then the same in Arabic
// (hl=ar), and its link back to English. It saves full-page screenshots of
// a phone-sized and a desktop viewport, in each language, in
// $SCREENSHOT_DIR (default: a temporary directory) for a person to look at.
func TestBrowser(t *testing.T) {
	chromium := chromiumPath(t)
	dir := os.Getenv("SCREENSHOT_DIR")
	if dir == "" {
		dir = t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}

	d := startDaemon(t, writeE2EConfig(t), 4)
	defer d.stop()

	// Without chromedp.UserDataDir, chromedp gives each browser a fresh
	// profile directory and removes it when the browser is gone.
	// A browser that stops answering fails the test in a minute rather
	// than holding it until the test binary's own timeout.
	bounded, cancelAll := context.WithTimeout(context.Background(), time.Minute)
	defer cancelAll()
	alloc, cancel := chromedp.NewExecAllocator(bounded,
		chromedp.ExecPath(chromium),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
	)
	defer cancel()
	ctx, cancel := chromedp.NewContext(alloc, chromedp.WithErrorf(t.Logf))
	defer cancel()
	if err := chromedp.Do(ctx); err != nil { // starts the browser
		t.Fatalf("start %s: %v", chromium, err)
	}

	viewports := []struct {
		name          string
		width, height int64
		opts          []chromedp.EmulateViewportOption
	}{
		{"phone", 390, 844, []chromedp.EmulateViewportOption{chromedp.EmulateScale(2), chromedp.EmulateMobile}},
		{"desktop", 1280, 900, nil},
	}
	pages := []struct {
		path, shot string
		lang       string // the document's lang and direction
		heading    string // of the stories
	}{
		{"/", "home-", "en ltr", "Latest stories"},
		{"/?hl=ar", "home-ar-", "ar rtl", "آخر الأخبار"},
	}
	for _, pg := range pages {
		for _, vp := range viewports {
			name := vp.name + " " + pg.path
			if err := chromedp.Do(ctx,
				chromedp.EmulateViewport(vp.width, vp.height, vp.opts...),
				chromedp.Navigate(d.base+pg.path),
				chromedp.WaitVisible(chromedp.CSS("article")),
			); err != nil {
				t.Fatalf("%s: open: %v", name, err)
			}
			if got := browse(ctx, t, chromedp.Evaluate[string](`document.documentElement.lang + " " + getComputedStyle(document.documentElement).direction`)); got != pg.lang {
				t.Errorf("%s: the page is %q, want %q", name, got, pg.lang)
			}
			if got := browse(ctx, t, chromedp.Evaluate[string](`document.querySelector("#stories-h").textContent`)); got != pg.heading {
				t.Errorf("%s: the stories' heading is %q, want %q", name, got, pg.heading)
			}

			titles := browse(ctx, t, chromedp.Evaluate[[]string](`[...document.querySelectorAll("article h3")].map(h => h.textContent.trim())`))
			for _, want := range []string{"Derna bridge tender opens", "Kufra convoy reaches the border", "افتتاح مدرسة في سبها"} {
				if !slices.Contains(titles, want) {
					t.Errorf("%s: the page lacks %q: %q", name, want, titles)
				}
			}
			// Each story runs in its own direction, whatever the page's.
			dirs := browse(ctx, t, chromedp.Evaluate[map[string]string](`Object.fromEntries([...document.querySelectorAll("article")].map(a => [a.querySelector("h3").textContent.trim(), getComputedStyle(a).direction]))`))
			if got := dirs["افتتاح مدرسة في سبها"]; got != "rtl" {
				t.Errorf("%s: the Arabic story's direction is %q, want rtl", name, got)
			}
			if got := dirs["Derna bridge tender opens"]; got != "ltr" {
				t.Errorf("%s: an English story's direction is %q, want ltr", name, got)
			}
			// Nothing sticks out sideways: a phone would scroll the whole page.
			if w := browse(ctx, t, chromedp.Evaluate[int64](`document.documentElement.scrollWidth`)); w > vp.width {
				t.Errorf("%s: the page is %dpx wide in a %dpx viewport", name, w, vp.width)
			}

			png := browse(ctx, t, chromedp.FullScreenshot(100))
			path := filepath.Join(dir, pg.shot+vp.name+".png")
			if err := os.WriteFile(path, png, 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("screenshot: %s", path)
		}
	}

	// A person types a tag into the form and sends it; the page then offers
	// the feed of that filter.
	tagInput := chromedp.CSS(`input[name="tag"]`)
	if err := chromedp.Do(ctx, chromedp.Navigate(d.base+"/"), chromedp.WaitVisible(tagInput), chromedp.SendKeys(tagInput, " Africa ")); err != nil {
		t.Fatalf("type a tag: %v", err)
	}
	// RunResponse waits for the page the form loads.
	resp, err := chromedp.RunResponse(ctx, chromedp.Submit(tagInput))
	if err != nil {
		t.Fatalf("submit the form: %v", err)
	}
	if resp.Status != http.StatusOK {
		t.Errorf("the form's page: status %d", resp.Status)
	}
	if u := browse(ctx, t, chromedp.Location()); !strings.Contains(u, "tag=+Africa+") {
		t.Errorf("the form loaded %s", u)
	}
	feedURL := browse(ctx, t, chromedp.Value(chromedp.CSS("#feed-url")))
	if !strings.HasPrefix(feedURL, "http") || !strings.HasSuffix(feedURL, "/feed.atom?tag=africa") {
		t.Errorf("after tag=Africa the feed URL is %q, want {base_url}/feed.atom?tag=africa", feedURL)
	}
	titles := browse(ctx, t, chromedp.Evaluate[[]string](`[...document.querySelectorAll("article h3")].map(h => h.textContent.trim())`))
	if len(titles) != 1 || !strings.Contains(titles[0], "Sirte power plant back online") {
		t.Errorf("tag=africa shows %q, want the Sirte story alone", titles)
	}
	png := browse(ctx, t, chromedp.FullScreenshot(100))
	if err := os.WriteFile(filepath.Join(dir, "home-filtered-desktop.png"), png, 0o644); err != nil {
		t.Fatal(err)
	}

	// The story two outlets carried links to its page, which lists both.
	if err := chromedp.Do(ctx, chromedp.Navigate(d.base+"/"), chromedp.WaitVisible(chromedp.CSS("a.outlets"))); err != nil {
		t.Fatalf("open /: %v", err)
	}
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS("a.outlets"))); err != nil {
		t.Fatalf("follow a story's outlets: %v", err)
	}
	if got := browse(ctx, t, chromedp.Evaluate[string](`document.querySelector("#outlets").textContent + " " + document.querySelectorAll("li.report").length`)); got != "2 outlets in all 2" {
		t.Errorf("the story page says %q, want 2 outlets and 2 reports", got)
	}
	png = browse(ctx, t, chromedp.FullScreenshot(100))
	if err := os.WriteFile(filepath.Join(dir, "story-desktop.png"), png, 0o644); err != nil {
		t.Fatal(err)
	}

	// A tag's page draws its last 90 days, a bar a day.
	if err := chromedp.Do(ctx, chromedp.Navigate(d.base+"/tags/libya"), chromedp.WaitVisible(chromedp.CSS("svg.chart"))); err != nil {
		t.Fatalf("open /tags/libya: %v", err)
	}
	if got := browse(ctx, t, chromedp.Evaluate[string](`document.querySelectorAll("svg.chart rect.bar").length + " " + (document.querySelector("svg.chart").getBoundingClientRect().width > 200)`)); got != "90 true" {
		t.Errorf("the chart has %q bars (and a width over 200px), want 90 true", got)
	}
	png = browse(ctx, t, chromedp.FullScreenshot(100))
	if err := os.WriteFile(filepath.Join(dir, "tag-desktop.png"), png, 0o644); err != nil {
		t.Fatal(err)
	}

	arabicForm(ctx, t, d.base)
}

// arabicForm uses the page in Arabic: its form builds an Arabic feed, and
// its link to English keeps the filter.
func arabicForm(ctx context.Context, t *testing.T, base string) {
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/?hl=ar"), chromedp.WaitVisible(chromedp.CSS("article"))); err != nil {
		t.Fatalf("open /?hl=ar: %v", err)
	}
	tagInput := chromedp.CSS(`input[name="tag"]`)
	if err := chromedp.Do(ctx, chromedp.SendKeys(tagInput, "africa")); err != nil {
		t.Fatalf("type a tag: %v", err)
	}
	if _, err := chromedp.RunResponse(ctx, chromedp.Submit(tagInput)); err != nil {
		t.Fatalf("submit the Arabic form: %v", err)
	}
	if feedURL := browse(ctx, t, chromedp.Value(chromedp.CSS("#feed-url"))); !strings.HasSuffix(feedURL, "/feed.atom?tag=africa&hl=ar") {
		t.Errorf("the Arabic form's feed URL is %q, want {base_url}/feed.atom?tag=africa&hl=ar", feedURL)
	}
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS("#hl-en"))); err != nil {
		t.Fatalf("follow the link to English: %v", err)
	}
	if u := browse(ctx, t, chromedp.Location()); !strings.HasSuffix(u, "/?tag=africa&hl=en") {
		t.Errorf("the link to English loaded %s, want the same filter with hl=en", u)
	}
	if got := browse(ctx, t, chromedp.Evaluate[string](`document.documentElement.lang + " " + getComputedStyle(document.documentElement).direction`)); got != "en ltr" {
		t.Errorf("after the switch the page is %q, want en ltr", got)
	}
}

// browse runs one browser action and fails the test on its error.
func browse[T any](ctx context.Context, t *testing.T, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// chromiumPath returns Debian's Chromium, or another on PATH. Without one
// the test is skipped, except in CI.
func chromiumPath(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	requireInCI(t, "chromium", "apt-get install chromium")
	return ""
}
