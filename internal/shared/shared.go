// Package shared finds the data the tests read from beside the repository,
// never copied into it: the feedparser corpus in ../shared.
package shared

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Path returns rel inside the shared folder. It skips the test when there
// is none, except in CI (CI=true), where that is a broken set-up and fails
// it.
//
// The shared folder is $LIBYAWIRE_SHARED if set; else shared beside the
// checkout (the module's folder); else, for a clone made elsewhere from a
// checkout on this machine (git clone . /tmp/x), shared beside that
// checkout.
func Path(t testing.TB, rel string) string {
	t.Helper()
	dir, tried := find()
	if dir == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("no shared data in CI; looked in %s", strings.Join(tried, ", "))
		}
		t.Skipf("no shared data; looked in %s", strings.Join(tried, ", "))
	}
	return filepath.Join(dir, filepath.FromSlash(rel))
}

func find() (dir string, tried []string) {
	if d := os.Getenv("LIBYAWIRE_SHARED"); d != "" {
		return existing(d, &tried), tried
	}
	root := moduleRoot()
	if root == "" {
		return "", []string{"(no go.mod above the test)"}
	}
	if d := existing(filepath.Join(root, "..", "shared"), &tried); d != "" {
		return d, tried
	}
	out, err := exec.Command("git", "-C", root, "config", "--get", "remote.origin.url").Output()
	origin := strings.TrimSpace(string(out))
	if err == nil && filepath.IsAbs(origin) {
		return existing(filepath.Join(origin, "..", "shared"), &tried), tried
	}
	return "", tried
}

func existing(dir string, tried *[]string) string {
	dir = filepath.Clean(dir)
	*tried = append(*tried, dir)
	if info, err := os.Stat(dir); err == nil && info.IsDir() {
		return dir
	}
	return ""
}

// moduleRoot is the folder of the go.mod above the working directory.
func moduleRoot() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}
