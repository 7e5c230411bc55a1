package i18n

import (
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

func TestMatch(t *testing.T) {
	tests := []struct{ header, want string }{
		{"", "en"},
		{"ar", "ar"},
		{"ar-LY,ar;q=0.9,en;q=0.8", "ar"},
		{"en-GB,en;q=0.9,ar;q=0.8", "en"},
		{"fr-FR,fr;q=0.9,ar;q=0.5", "ar"},    // the first of ar and en it names
		{"fr;q=0.9,en;q=0.3,ar;q=0.6", "ar"}, // by q-value, not by order
		{"ar;q=0,en", "en"},                  // q=0: not acceptable
		{"de,fr", "en"},                      // none of them: English
		{"*", "en"},
		{"ar;q=abc", "en"}, // unreadable
		{strings.Repeat("x", 5000), "en"},
	}
	for _, tt := range tests {
		if got := Match(tt.header).Code; got != tt.want {
			t.Errorf("Match(%.40q) = %s, want %s", tt.header, got, tt.want)
		}
	}
}

func TestLookup(t *testing.T) {
	for _, code := range []string{"en", "ar"} {
		if l, ok := Lookup(code); !ok || l.Code != code {
			t.Errorf("Lookup(%q) = %v, %v", code, l, ok)
		}
	}
	for _, code := range []string{"", "fr", "AR", "ar-LY"} {
		if _, ok := Lookup(code); ok {
			t.Errorf("Lookup(%q) found a language", code)
		}
	}
	if got := Codes(); got != "ar, en" {
		t.Errorf("Codes() = %q", got)
	}
	ar, _ := Lookup("ar")
	if ar.Dir != "rtl" || English.Dir != "ltr" || ar.Name != "العربية" {
		t.Errorf("ar: dir %s name %s; en: dir %s", ar.Dir, ar.Name, English.Dir)
	}
}

// TestPlurals: counts take each language's plural forms, for 0, 1, 2,
// 3-10, 11-99 and 100 and more; Arabic numbers are written 0-9.
func TestPlurals(t *testing.T) {
	ar, _ := Lookup("ar")
	tests := []struct {
		l    *Locale
		n    int
		want string
	}{
		{English, 0, "0 minutes ago"},
		{English, 1, "1 minute ago"},
		{English, 2, "2 minutes ago"},
		{English, 59, "59 minutes ago"},
		{ar, 0, "منذ 0 دقيقة"},
		{ar, 1, "منذ دقيقة"},
		{ar, 2, "منذ دقيقتين"},
		{ar, 3, "منذ 3 دقائق"},
		{ar, 10, "منذ 10 دقائق"},
		{ar, 11, "منذ 11 دقيقة"},
		{ar, 99, "منذ 99 دقيقة"},
		{ar, 100, "منذ 100 دقيقة"},
		{ar, 103, "منذ 103 دقائق"}, // CLDR: 103 takes the few form again
		{ar, 1000, "منذ 1,000 دقيقة"},
	}
	for _, tt := range tests {
		if got := tt.l.T("ago.minutes", tt.n); got != tt.want {
			t.Errorf("%s %d: %q, want %q", tt.l.Code, tt.n, got, tt.want)
		}
	}
	for n, want := range map[int]string{0: "لا أخبار", 1: "خبر واحد", 2: "خبران", 7: "7 أخبار", 25: "25 خبرًا", 300: "300 خبر"} {
		if got := ar.T("count.stories", n); got != want {
			t.Errorf("ar stories %d: %q, want %q", n, got, want)
		}
	}
}

func TestAgo(t *testing.T) {
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	ar, _ := Lookup("ar")
	tests := []struct {
		d      time.Duration
		en, ar string
	}{
		{10 * time.Second, "just now", "الآن"},
		{2 * time.Minute, "2 minutes ago", "منذ دقيقتين"},
		{5 * time.Hour, "5 hours ago", "منذ 5 ساعات"},
		{30 * time.Hour, "yesterday", "أمس"},
		{11 * 24 * time.Hour, "11 days ago", "منذ 11 يومًا"},
		{90 * 24 * time.Hour, "on 4 September 2026", "في 4 سبتمبر 2026"},
	}
	for _, tt := range tests {
		at := now.Add(-tt.d)
		if got := English.Ago(at, now); got != tt.en {
			t.Errorf("en %v: %q, want %q", tt.d, got, tt.en)
		}
		if got := ar.Ago(at, now); got != tt.ar {
			t.Errorf("ar %v: %q, want %q", tt.d, got, tt.ar)
		}
	}
}

func TestErrors(t *testing.T) {
	err := Errorf("error.limit", "500", `"0"`)
	if got, want := err.Error(), `limit must be a whole number from 1 to 500, got "0"`; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	ar, _ := Lookup("ar")
	if got := ar.Error(err); !strings.Contains(got, "يجب أن تكون limit عددًا صحيحًا من 1 إلى 500") {
		t.Errorf("in Arabic: %q", got)
	}
	both := InAll("error.hl", Codes(), `"fr"`)
	if !strings.Contains(both, `hl must be one of ar, en, got "fr"`) || !strings.Contains(both, "يجب أن تكون hl") {
		t.Errorf("InAll = %q, want English and Arabic", both)
	}
}

// TestCataloguesComplete: every catalogue gives every message of the
// English one, a count as a count with the other form; none gives a
// message English lacks.
func TestCataloguesComplete(t *testing.T) {
	for _, l := range Locales() {
		for key := range reg.keys {
			if !l.has[key] {
				t.Errorf("catalog/%s.yaml: %s is missing; readers would see it in English", l.Code, key)
			}
		}
	}
	// A catalogue with a message English lacks, or a count as a string,
	// is refused at load, with its line.
	en := "code: en\nname: English\ndir: ltr\nmonths: [a, b, c, d, e, f, g, h, i, j, k, l]\nmessages:\n  a: x\n  n: {one: \"%d x\", other: \"%d xs\"}\n"
	for name, fr := range map[string]string{
		"line 7: b is not a message":     "code: fr\nname: Français\ndir: ltr\nmonths: [a, b, c, d, e, f, g, h, i, j, k, l]\nmessages:\n  a: x\n  b: y\n",
		"line 6: n: want one string for": "code: fr\nname: Français\ndir: ltr\nmonths: [a, b, c, d, e, f, g, h, i, j, k, l]\nmessages:\n  n: x\n",
		"the plural form other":          "code: fr\nname: Français\ndir: ltr\nmonths: [a, b, c, d, e, f, g, h, i, j, k, l]\nmessages:\n  n: {one: x}\n",
		"dir is \"down\"":                "code: fr\nname: Français\ndir: down\nmonths: [a, b, c, d, e, f, g, h, i, j, k, l]\nmessages: {}\n",
		"months lists 2 names":           "code: fr\nname: Français\ndir: ltr\nmonths: [a, b]\nmessages: {}\n",
	} {
		_, err := load(fstest.MapFS{
			"catalog/en.yaml": {Data: []byte(en)},
			"catalog/fr.yaml": {Data: []byte(fr)},
		})
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("load: %v, want an error with %q", err, name)
		}
	}
}
