package group

import (
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/libyawire/libyawire/tag"
)

// Numbers written in words, in English and Arabic, are read as digits,
// and so are compounds of them: "two hundred and fifty", "twenty-five",
// "مئة وعشرين" (120), "خمسة آلاف" (5,000), "مليونًا و٤٢٠ ألف" (1,420,000).
// Two reports that give one figure, one in digits and one in words, then
// agree.

// numeral is one word of a number: a value (5, 20, 300) or a scale that
// multiplies what comes before it (thousand, million).
type numeral struct {
	value int64
	scale bool
}

// numerals are the words of numbers, folded as tag.Fold folds (taa
// marbuta as ه, alef forms as ا). Arabic "احد" and "اثنا" are ones only
// before عشر (eleven, twelve), and are read there.
var numerals = func() map[string]numeral {
	m := map[string]numeral{}
	add := func(value int64, scale bool, ws string) {
		for _, w := range tag.Words(ws) {
			m[w] = numeral{value, scale}
		}
	}
	for v, ws := range []string{
		"", "one واحد واحدة", "two اثنان اثنين اثنتان اثنتين", "three ثلاثة ثلاث", "four أربعة أربع",
		"five خمسة خمس", "six ستة ست", "seven سبعة سبع", "eight ثمانية ثماني ثمان", "nine تسعة تسع",
		"ten عشرة عشر", "eleven", "twelve dozen", "thirteen", "fourteen", "fifteen", "sixteen",
		"seventeen", "eighteen", "nineteen",
	} {
		add(int64(v), false, ws)
	}
	for i, ws := range []string{
		"twenty عشرين عشرون", "thirty ثلاثين ثلاثون", "forty أربعين أربعون", "fifty خمسين خمسون",
		"sixty ستين ستون", "seventy سبعين سبعون", "eighty ثمانين ثمانون", "ninety تسعين تسعون",
	} {
		add(int64(20+10*i), false, ws)
	}
	for i, ws := range []string{
		"مئة مائة", "مئتان مئتين مائتان مائتين", "ثلاثمئة ثلاثمائة", "أربعمئة أربعمائة",
		"خمسمئة خمسمائة", "ستمئة ستمائة", "سبعمئة سبعمائة", "ثمانمئة ثمانمائة ثمانيمائة", "تسعمئة تسعمائة",
	} {
		add(int64(100*(i+1)), false, ws)
	}
	add(1e3, true, "thousand ألف ألفا آلاف")
	add(2e3, false, "ألفين ألفان")
	add(1e6, true, "million مليون مليونا ملايين")
	add(2e6, false, "مليونين مليونان")
	add(1e9, true, "billion مليار مليارا مليارات")
	add(2e9, false, "مليارين ملياران")
	m["hundred"] = numeral{100, true} // "two hundred": hundred multiplies, as thousand does
	return m
}()

// teens are the Arabic units that, followed by عشر, make eleven to
// nineteen ("أحد عشر", "ثلاثة عشر").
var teens = func() map[string]int64 {
	m := map[string]int64{}
	for i, ws := range []string{"أحد إحدى", "اثني اثنا اثنتا اثنتي", "ثلاث ثلاثة", "أربع أربعة", "خمس خمسة", "ست ستة", "سبع سبعة", "ثماني ثمانية", "تسع تسعة"} {
		for _, w := range tag.Words(ws) {
			m[w] = int64(i + 1)
		}
	}
	return m
}()

// isNumeral reports whether a word is a number, in digits or words, alone
// or with a conjunction or preposition before it (و٤٢٠, وعشرين, لمليون).
func isNumeral(w string) bool {
	_, ok := numeralOf(w)
	return ok || teens[w] != 0
}

// numeralOf reads one word of a number.
func numeralOf(w string) (numeral, bool) {
	if n, ok := numerals[w]; ok {
		return n, true
	}
	if isNumber(w) {
		v, err := strconv.ParseInt(strings.TrimLeft(w, "0"), 10, 64)
		if err != nil && strings.Trim(w, "0") != "" {
			return numeral{}, false // too long to be a figure
		}
		return numeral{v, false}, true
	}
	if r, size := utf8.DecodeRuneInString(w); (r == 'و' || r == 'ل' || r == 'ب' || r == 'ف') && len(w) > size {
		rest := w[size:]
		if n, ok := numerals[rest]; ok {
			return n, true
		}
		if isNumber(rest) {
			return numeralOf(rest)
		}
	}
	return numeral{}, false
}

// numbers returns the numbers among the words, as digits, sorted: each
// run of number words read as one number.
func numbers(ws []string) []string {
	var out []string
	for i := 0; i < len(ws); {
		v, next := readNumber(ws, i)
		if next == i {
			i++
			continue
		}
		out = append(out, strconv.FormatInt(v, 10))
		i = next
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// readNumber reads the number that begins at ws[i], and returns it and
// the index after it; next is i when no number begins there. A number
// goes on while each word is smaller than the last one added (twenty,
// then five; Arabic ستة وعشرون, the unit first), or a scale larger than what it multiplies (five, then
// thousand), or hundred after a unit. Two numbers in digits side by side
// are two numbers ("2 1", a score of 2-1) unless "and" or و joins them.
func readNumber(ws []string, i int) (v int64, next int) {
	if unit, ok := teens[ws[i]]; ok && i+1 < len(ws) && (ws[i+1] == "عشر" || ws[i+1] == "عشره") {
		return 10 + unit, i + 2
	}
	next = i
	var total, cur, last, lastScale int64
	joined, digits := false, false // an "and" before this word; the last word was in digits
	for j := i; j < len(ws); j++ {
		w := ws[j]
		if w == "and" || w == "و" {
			if j == i || joined {
				break
			}
			joined = true
			continue
		}
		n, ok := numeralOf(w)
		if !ok {
			break
		}
		inDigits := isNumber(strings.TrimLeft(w, "ولبف"))
		switch {
		case j == i:
			cur, last = n.value, n.value // "million" alone is one million
		case n.value == 100 && n.scale && cur > 0 && cur < 10:
			cur, last = cur*100, 100
		case n.scale && cur > 0 && cur < n.value && (lastScale == 0 || n.value < lastScale):
			total += cur * n.value
			cur, last, lastScale = 0, 0, n.value
		case n.scale || (digits && inDigits && !joined):
			return total + cur, next
		case cur == 0 && n.value < lastScale, cur > 0 && n.value < order(last):
			cur += n.value
			last = n.value
		case last < 10 && !digits && !inDigits && n.value < 100 && n.value%10 == 0 && (strings.HasPrefix(w, "و") || ws[j-1] == "و"):
			cur += n.value // Arabic puts the unit first: ستة وعشرون, six and twenty
			last = n.value
		default:
			return total + cur, next
		}
		next, joined, digits = j+1, false, inDigits
	}
	return total + cur, next
}

// order is the power of ten of a number's first digit: 10 for 20, 100 for
// 300.
func order(n int64) int64 {
	o := int64(1)
	for n >= 10 {
		n /= 10
		o *= 10
	}
	return o
}
