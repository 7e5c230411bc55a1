package cli

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestWriteSources(t *testing.T) {
	long := strings.Repeat("x", 70)
	var out bytes.Buffer
	err := writeSources(&out, []sourceRow{
		{Name: "herald", LastSuccess: time.Date(2026, 3, 2, 10, 0, 0, 0, time.FixedZone("", 2*3600)), Status: 200, New: 3},
		{Name: "wasat", Status: 500, Failures: 4, Error: long + "\nsecond line", MovedTo: "https://alwasat.example/feed"},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := "NAME    LAST SUCCESS          STATUS  NEW  FAILURES  ERROR                                                         MOVED TO\n" +
		"herald  2026-03-02T08:00:00Z  200     3    0                                                                       \n" +
		"wasat   never                 500     0    4         " + strings.Repeat("x", 59) + "…  https://alwasat.example/feed\n"
	if out.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", out.String(), want)
	}
}
