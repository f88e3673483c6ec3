package profiles

import (
	"sort"
	"strings"

	"github.com/pelletier/go-toml/v2/unstable"
)

// lineIndex maps every key path in a TOML document ("default",
// "profiles.home", "profiles.home.port", "profiles.home.relay.x") to the
// line it is written on, so validation errors after decoding can still name
// a line. It uses go-toml's position-keeping parser; a document that does
// not parse gives a partial index (decoding reports the syntax error).
func lineIndex(data []byte) map[string]int {
	idx := map[string]int{}
	var p unstable.Parser
	p.Reset(data)
	var table []string
	// Parser.Shape counts lines from the top of the document on every call,
	// which made a 10k-profile file take minutes; a table of line starts and
	// a binary search keep the index linear (n log n).
	starts := []int{0}
	for i, c := range data {
		if c == '\n' {
			starts = append(starts, i+1)
		}
	}
	line := func(n *unstable.Node) (l int) {
		defer func() {
			if recover() != nil { // a key not sliced from data: no line
				l = 0
			}
		}()
		off := int(p.Range(n.Data).Offset)
		return sort.Search(len(starts), func(i int) bool { return starts[i] > off })
	}
	var addKV func(prefix []string, kv *unstable.Node)
	addKV = func(prefix []string, kv *unstable.Node) {
		path := append([]string{}, prefix...)
		var first *unstable.Node
		it := kv.Key()
		for it.Next() {
			if first == nil {
				first = it.Node()
			}
			path = append(path, string(it.Node().Data))
			if l := line(first); l > 0 {
				if _, ok := idx[strings.Join(path, ".")]; !ok {
					idx[strings.Join(path, ".")] = l
				}
			}
		}
		if v := kv.Value(); v != nil && v.Kind == unstable.InlineTable {
			ch := v.Children()
			for ch.Next() {
				addKV(path, ch.Node())
			}
		}
	}
	for p.NextExpression() {
		e := p.Expression()
		switch e.Kind {
		case unstable.Table, unstable.ArrayTable:
			table = table[:0]
			it := e.Key()
			var first *unstable.Node
			for it.Next() {
				if first == nil {
					first = it.Node()
				}
				table = append(table, string(it.Node().Data))
				if l := line(first); l > 0 {
					idx[strings.Join(table, ".")] = l
				}
			}
		case unstable.KeyValue:
			addKV(table, e)
		}
	}
	return idx
}
