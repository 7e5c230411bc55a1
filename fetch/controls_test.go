package fetch

import (
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

func TestDropControls(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"escape as hex", "<t>red&#x1b;[31m</t>", "<t>red[31m</t>"},
		{"nul as decimal", "<t>a&#0;b</t>", "<t>ab</t>"},
		{"upper-case X and digits", "<t>&#X1F;&#X1f;x</t>", "<t>x</t>"},
		{"leading zeros", "<t>&#x" + strings.Repeat("0", 300) + "7;bell</t>", "<t>bell</t>"},
		{"decimal leading zeros", "<t>&#000027;q</t>", "<t>q</t>"},
		{"noncharacters", "<t>&#xFFFE;&#65535;!</t>", "<t>!</t>"},
		{"raw bytes", "<t>a\x00b\x1b\x08c</t>", "<t>abc</t>"},
		{"raw byte inside a reference", "<t>&#\x0027;x</t>", "<t>x</t>"},
		{"allowed controls kept", "<t>&#9;&#x0A;&#13;&#x000d;\t\n</t>", "<t>&#9;&#x0A;&#13;&#x000d;\t\n</t>"},
		{"other references kept", "<t>&#65;&#x627;&amp;&lt;&#x7f;&#x85;&#xD800;&#x110000;&#1114112;</t>", "<t>&#65;&#x627;&amp;&lt;&#x7f;&#x85;&#xD800;&#x110000;&#1114112;</t>"},
		{"leading zeros of a kept reference kept", "<t>&#x00041;&#0065;</t>", "<t>&#x00041;&#0065;</t>"},
		{"not references", "<t>& &# &#x &#; &#x; &#12 &#xg; AT&T &#1a;</t>", "<t>& &# &#x &#; &#x; &#12 &#xg; AT&T &#1a;</t>"},
		{"unfinished at the end", "<t>&#x1", "<t>&#x1"},
		{"a dropped reference joins no other", "<t>&#1&#0;1;&&#0;#27;</t>", "<t>&#1\uFFFD1;&\uFFFD#27;</t>"},
		{"XML keeps backslash escapes", `<t>C:\u001b</t>`, `<t>C:\u001b</t>`},
		{"JSON escape", `{"title":"red\u001b[31m"}`, `{"title":"red[31m"}`},
		{"JSON nul and upper case", `{"title":"a\u0000b\u001Fc"}`, `{"title":"abc"}`},
		{"JSON escaped backslash", `{"title":"C:\\u001b \\\u0007"}`, `{"title":"C:\\u001b \\"}`},
		{"JSON kept escapes", `{"t":"\u0041\n\t\u000a\"\u0627"}`, `{"t":"\u0041\n\t\u000a\"\u0627"}`},
		{"JSON joined escape", `{"t":"\u00\u00001b"}`, `{"t":"\u00` + "\uFFFD" + `1b"}`},
		{"JSON references too", ` {"t":"x&#x1b;y"}`, ` {"t":"xy"}`},
	}
	for _, tt := range tests {
		for _, one := range []bool{false, true} {
			var r io.Reader = strings.NewReader(tt.in)
			if one {
				r = iotest.OneByteReader(r)
			}
			got, err := io.ReadAll(dropControls(r))
			if err != nil || string(got) != tt.want {
				t.Errorf("%s (one byte at a time: %v): got %q, %v; want %q", tt.name, one, got, err, tt.want)
			}
		}
	}
}
