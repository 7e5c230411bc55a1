package config

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// ByteSize is a number of bytes. In YAML it is written as a plain number or
// with a unit: 10MiB, 512KiB, 1GiB (powers of 1024) or 10MB, 500kB (powers
// of 1000).
type ByteSize int64

// byteUnits, largest first, so that String picks the shortest form.
var byteUnits = []struct {
	name string
	size int64
}{
	{"TiB", 1 << 40}, {"TB", 1e12}, {"GiB", 1 << 30}, {"GB", 1e9},
	{"MiB", 1 << 20}, {"MB", 1e6}, {"KiB", 1 << 10}, {"kB", 1e3}, {"B", 1},
}

// UnmarshalYAML reads a size such as 10MiB.
func (b *ByteSize) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("want a size such as 10MiB, not %s", describe(n))
	}
	size, err := parseByteSize(n.Value)
	if err != nil {
		return err
	}
	*b = size
	return nil
}

// String returns the size in the largest unit that divides it, such as 10MiB.
func (b ByteSize) String() string {
	for _, u := range byteUnits {
		if b != 0 && int64(b)%u.size == 0 {
			return strconv.FormatInt(int64(b)/u.size, 10) + u.name
		}
	}
	return "0"
}

// parseByteSize reads a plain number of bytes or a number and a unit, with
// or without a space between; units are case-insensitive, so 10mb is 10MB.
func parseByteSize(s string) (ByteSize, error) {
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
		for _, u := range byteUnits {
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
		return ByteSize(f * float64(size)), nil
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n > math.MaxInt64/size {
		return 0, fmt.Errorf("%q is too large", s)
	}
	return ByteSize(n * size), nil
}
