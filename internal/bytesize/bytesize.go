// Package bytesize reads and writes sizes in bytes, for the configuration
// (fetch.max_body: 10MiB) and for what the program says (body larger than
// 10 MiB; backed up 12.3 MiB).
package bytesize

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// units, largest first, that Parse reads: powers of 1024 (KiB) and of
// 1000 (kB).
var units = []struct {
	name string
	size int64
}{
	{"TiB", 1 << 40}, {"TB", 1e12}, {"GiB", 1 << 30}, {"GB", 1e9},
	{"MiB", 1 << 20}, {"MB", 1e6}, {"KiB", 1 << 10}, {"kB", 1e3}, {"B", 1},
	{"bytes", 1}, {"byte", 1},
}

// binary are the units Format writes, largest first.
var binary = []struct {
	name string
	size int64
}{{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}}

// Parse reads a plain number of bytes or a number and a unit (kB, MB, GB,
// TB, KiB, MiB, GiB, TiB, B or bytes), with or without a space between; units are
// case-insensitive, so 10mb is 10MB. The error says what to write.
func Parse(s string) (int64, error) {
	bad := fmt.Errorf("%q is not a size: write a number of bytes or a number and a unit (kB, MB, GB, KiB, MiB, GiB), such as 10MiB", s)
	t := strings.TrimSpace(s)
	end := strings.IndexFunc(t, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	if end < 0 {
		end = len(t)
	}
	num, unit := t[:end], strings.TrimSpace(t[end:])
	size := int64(1)
	if unit != "" {
		size = 0
		for _, u := range units {
			if strings.EqualFold(unit, u.name) {
				size = u.size
			}
		}
	}
	if num == "" || size == 0 {
		return 0, bad
	}
	if strings.Contains(num, ".") {
		f, err := strconv.ParseFloat(num, 64)
		if err != nil {
			return 0, bad
		}
		if f*float64(size) >= math.MaxInt64 {
			return 0, fmt.Errorf("%q is too large", s)
		}
		return int64(f * float64(size)), nil
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n > math.MaxInt64/size {
		return 0, fmt.Errorf("%q is too large", s)
	}
	return n * size, nil
}

// Format writes n the way people read it, in the largest power of 1024
// it reaches: "10 MiB" when the unit divides it, else to one decimal,
// "12.3 MiB"; under 1 KiB, "640 bytes". Parse reads every form it writes.
func Format(n int64) string {
	for _, u := range binary {
		switch {
		case n < u.size:
			continue
		case n%u.size == 0:
			return strconv.FormatInt(n/u.size, 10) + " " + u.name
		default:
			return strconv.FormatFloat(float64(n)/float64(u.size), 'f', 1, 64) + " " + u.name
		}
	}
	if n == 1 {
		return "1 byte"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}
