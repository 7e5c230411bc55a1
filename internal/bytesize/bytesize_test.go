package bytesize

import "testing"

func TestParse(t *testing.T) {
	tests := []struct {
		in      string
		want    int64
		wantErr bool
	}{
		{"0", 0, false},
		{"1048576", 1 << 20, false},
		{"10MiB", 10 << 20, false},
		{"512KiB", 512 << 10, false},
		{"1GiB", 1 << 30, false},
		{"10MB", 10_000_000, false},
		{"500kB", 500_000, false},
		{"500KB", 500_000, false},
		{"10 mib", 10 << 20, false},
		{"1.5MiB", 3 << 19, false},
		{"64B", 64, false},
		{"640 bytes", 640, false},
		{"", 0, true},
		{"MiB", 0, true},
		{"10 megs", 0, true},
		{"-1MiB", 0, true},
		{"10MiB extra", 0, true},
		{"1.2.3MB", 0, true},
		{"99999999999GiB", 0, true},
		{"9999999999999999999", 0, true},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("Parse(%q) = %d, %v; want %d, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestFormat(t *testing.T) {
	tests := []struct {
		in   int64
		want string
		back bool // Parse gives in back
	}{
		{0, "0 bytes", true},
		{1, "1 byte", true},
		{1023, "1023 bytes", true},
		{1024, "1 KiB", true},
		{512 << 10, "512 KiB", true},
		{2000 << 10, "2.0 MiB", false}, // to one decimal: not 2 MiB
		{10 << 20, "10 MiB", true},
		{1 << 40, "1 TiB", true},
		{3 << 19, "1.5 MiB", true},
		{10_000_000, "9.5 MiB", false},
		{12_900_000, "12.3 MiB", false},
		{1500, "1.5 KiB", false},
	}
	for _, tt := range tests {
		got := Format(tt.in)
		if got != tt.want {
			t.Errorf("Format(%d) = %q, want %q", tt.in, got, tt.want)
		}
		back, err := Parse(got)
		if err != nil {
			t.Errorf("Parse(Format(%d)) = %v", tt.in, err)
		} else if tt.back && back != tt.in {
			t.Errorf("Parse(%q) = %d, want %d", got, back, tt.in)
		}
	}
}
