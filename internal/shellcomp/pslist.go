package shellcomp

import "strings"

// psList turns "a b c" into "'a', 'b', 'c'" for a PowerShell array.
func psList(words string) string {
	f := strings.Fields(words)
	for i, w := range f {
		f[i] = "'" + w + "'"
	}
	return strings.Join(f, ", ")
}
