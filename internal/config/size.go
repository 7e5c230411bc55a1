package config

import (
	"fmt"

	"go.yaml.in/yaml/v3"

	"github.com/libyawire/libyawire/internal/bytesize"
)

// ByteSize is a number of bytes. In YAML it is written as a plain number or
// with a unit: 10MiB, 512KiB, 1GiB (powers of 1024) or 10MB, 500kB (powers
// of 1000).
type ByteSize int64

// UnmarshalYAML reads a size such as 10MiB.
func (b *ByteSize) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("want a size such as 10MiB, not %s", describe(n))
	}
	size, err := bytesize.Parse(n.Value)
	if err != nil {
		return err
	}
	*b = ByteSize(size)
	return nil
}

// String returns the size as bytesize.Format writes it, such as 10 MiB.
func (b ByteSize) String() string { return bytesize.Format(int64(b)) }
