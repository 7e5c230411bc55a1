package publish

import (
	"fmt"
	"html"
	"html/template"
	"strings"

	"github.com/libyawire/libyawire/internal/i18n"
)

// sparkline draws a tag's stories per day, oldest first, as an inline SVG
// of one bar a day: no script, no outside resource, and a title and label
// that say the figures to a screen reader. Time runs left to right in
// either language, as in a printed chart.
func sparkline(loc *i18n.Locale, name string, counts []int) template.HTML {
	const barWidth, height = 3, 20
	total, most := 0, 0
	for _, n := range counts {
		total += n
		most = max(most, n)
	}
	label := html.EscapeString(loc.T("trend.label", total, name, len(counts), most))
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="spark" width="%d" height="%d" viewBox="0 0 %d %d" role="img" aria-label="%s"><title>%s</title>`,
		barWidth*len(counts), height, barWidth*len(counts), height, label, label)
	for i, n := range counts {
		if n == 0 {
			continue
		}
		h := max(1, n*(height-2)/max(most, 1))
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d"></rect>`, i*barWidth, height-h, barWidth-1, h)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // every text in it escaped above
}
