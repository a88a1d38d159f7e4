// Package num writes counts as mdeconnect's messages show them.
package num

import "strconv"

// Thousands writes n with thousands separators: 10,000.
func Thousands(n int) string {
	s := strconv.Itoa(n)
	start := 0
	if n < 0 {
		start = 1
	}
	for i := len(s) - 3; i > start; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
