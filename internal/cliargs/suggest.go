package cliargs

import (
	"sort"
	"strings"
)

// Suggest returns the candidate closest to word, or "" when none is close
// enough to be a likely typo: the one candidate that word starts (a cut
// short "vers" is "version"), else the nearest within an edit distance of
// about a third of the word (at least 1).
func Suggest(word string, candidates []string) string {
	word = strings.ToLower(word)
	best, bestD := "", 1<<30
	sorted := append([]string{}, candidates...)
	sort.Strings(sorted) // ties resolve the same way every run
	var prefixed []string
	for _, c := range sorted {
		if len(word) >= 2 && strings.HasPrefix(strings.ToLower(c), word) {
			prefixed = append(prefixed, c)
		}
	}
	if len(prefixed) == 1 {
		return prefixed[0]
	}
	for _, c := range sorted {
		d := distance(word, strings.ToLower(c))
		if d < bestD {
			best, bestD = c, d
		}
	}
	limit := max(len(word)/3, 1)
	if best != "" && bestD <= limit {
		return best
	}
	if len(prefixed) > 0 {
		return prefixed[0]
	}
	return ""
}

// distance is the Damerau-Levenshtein (optimal string alignment) distance:
// a swapped pair of letters ("moniotr") counts as one typo.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}
