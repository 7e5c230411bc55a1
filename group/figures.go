package group

import (
	"math"
	"regexp"
	"strconv"
	"strings"
)

// figureRe finds a number and the word that multiplies it: 1.2 billion,
// 1.4mn, 200 ألف. readFigures makes Arabic-Indic digits ASCII first.
var figureRe = regexp.MustCompile(`(?i)(\d+(?:[.٫]\d+)?)\s*(thousand|million|billion|mn|bn|ألف|الف|آلاف|الاف|مليون|ملايين|مليار|مليارات)(\P{L}|$)`)

// multipliers are what the words of figureRe stand for.
var multipliers = map[string]float64{
	"thousand": 1e3, "ألف": 1e3, "الف": 1e3, "آلاف": 1e3, "الاف": 1e3,
	"million": 1e6, "mn": 1e6, "مليون": 1e6, "ملايين": 1e6,
	"billion": 1e9, "bn": 1e9, "مليار": 1e9, "مليارات": 1e9,
}

// readFigures writes the figures of s as plain numbers, so that "1.2
// billion", "1,200 million" and "1200000000" are one figure, and "200
// ألف" is 200000: two reports that give one figure in other words agree.
func readFigures(s string) string {
	if strings.ContainsAny(s, "٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹") {
		s = strings.Map(asciiDigit, s)
	}
	if !strings.ContainsAny(s, "0123456789") || !mayMultiply(s) {
		return s // the regular expression is the cost of NewSig; most titles need none
	}
	return figureRe.ReplaceAllStringFunc(s, func(m string) string {
		sub := figureRe.FindStringSubmatch(m)
		f, err := strconv.ParseFloat(strings.ReplaceAll(sub[1], "٫", "."), 64)
		mult := multipliers[strings.ToLower(sub[2])]
		if err != nil || mult == 0 || f*mult > math.MaxInt64/2 {
			return m
		}
		return strconv.FormatInt(int64(math.Round(f*mult)), 10) + sub[3] // sub[3]: what ended the word
	})
}

// mayMultiply reports whether s may hold a word of multipliers: a quick
// look before the regular expression.
func mayMultiply(s string) bool {
	for _, w := range []string{"illion", "ILLION", "housand", "HOUSAND", "bn", "mn", "BN", "MN", "لف", "لاف", "ليون", "لايين", "ليار"} {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// asciiDigit maps Arabic-Indic and Persian digits to ASCII ones.
func asciiDigit(r rune) rune {
	switch {
	case r >= '٠' && r <= '٩':
		return '0' + (r - '٠')
	case r >= '۰' && r <= '۹':
		return '0' + (r - '۰')
	}
	return r
}

// isYear reports whether a number, as numbers writes it, reads as a year
// of the news (1950 to 2099): "the 2026 budget" names the budget, not a
// figure that another report must repeat.
func isYear(n string) bool {
	if len(n) != 4 {
		return false
	}
	y, err := strconv.Atoi(n)
	return err == nil && y >= 1950 && y <= 2099
}

// figures splits numbers into the figures and the years among them.
func figures(numbers []string) (figs, years []string) {
	for _, n := range numbers {
		if isYear(n) {
			years = append(years, n)
		} else {
			figs = append(figs, n)
		}
	}
	return figs, years
}
