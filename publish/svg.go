package publish

import (
	"fmt"
	"html"
	"html/template"
	"strings"

	"github.com/libyawire/libyawire/internal/i18n"
	"github.com/libyawire/libyawire/store"
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

// barChart draws a tag's stories per day, oldest first, as an inline SVG
// bar chart with its axes labelled: the most in a day and 0 on the left,
// the first, middle and last days below. Each bar's title gives its day
// and count; the chart's title and label give the figures in all.
func barChart(loc *i18n.Locale, name string, days []store.DayCount) template.HTML {
	const (
		left, bottom, top = 40, 22, 8
		barWidth, plot    = 6, 120
	)
	width := left + barWidth*len(days) + 8
	height := top + plot + bottom
	total, most := 0, 0
	for _, d := range days {
		total += d.Stories
		most = max(most, d.Stories)
	}
	label := html.EscapeString(loc.T("trend.label", total, name, len(days), most))
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" width="100%%" viewBox="0 0 %d %d" role="img" aria-label="%s" dir="ltr"><title>%s</title>`, width, height, label, label)
	// The axes, and the most in a day and 0 beside the left one.
	fmt.Fprintf(&b, `<path class="axis" d="M%d %d V%d H%d"></path>`, left-2, top, top+plot, width-4)
	fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end">%s</text>`, left-6, top+8, html.EscapeString(loc.Num(most)))
	fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end">%s</text>`, left-6, top+plot, html.EscapeString(loc.Num(0)))
	for i, d := range days {
		title := html.EscapeString(loc.DayMonth(d.Date) + ": " + loc.T("count.stories", d.Stories))
		h := 0
		if d.Stories > 0 {
			h = max(1, d.Stories*plot/max(most, 1))
		}
		fmt.Fprintf(&b, `<rect class="bar" x="%d" y="%d" width="%d" height="%d"><title>%s</title></rect>`, left+i*barWidth, top+plot-h, barWidth-1, h, title)
	}
	if n := len(days); n > 0 {
		for _, i := range []int{0, n / 2, n - 1} {
			anchor := map[bool]string{true: "start", false: "middle"}[i == 0]
			if i == n-1 && n > 1 {
				anchor = "end"
			}
			fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="%s">%s</text>`, left+i*barWidth+barWidth/2, top+plot+16, anchor, html.EscapeString(loc.DayMonth(days[i].Date)))
		}
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // every text in it escaped above
}
