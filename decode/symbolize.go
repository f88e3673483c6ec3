package decode

import (
	"debug/dwarf"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/blynkbridge/blynkbridge/internal/bberr"
)

// Symbolizer resolves code addresses of an ESP8266 firmware ELF to
// function, file:line and inlining, in pure Go (debug/elf + debug/dwarf), the
// way `xtensa-lx106-elf-addr2line -pfiaC` does.
//
// It builds its own sorted index of line-table rows over every sequence of
// every compilation unit: dwarf.LineReader.SeekPC assumes sequences sorted by
// address and misses IRAM functions (0x4010xxxx) whose sequence follows the
// flash one (measured: TestSeekPCLimitation shows SeekPC failing on
// 0x40100031, TestIRAMFoundWhereSeekPCFails shows this index finding it).
type Symbolizer struct {
	Path   string
	text   []textSection
	lines  []lineRange // sorted by start, non-overlapping
	files  []string
	funcs  []funcRange // top-level subprogram ranges, sorted by start
	scopes []scope
	syms   []symbol // STT_FUNC symbols sorted by value, addr2line's fallback
	ranges string   // TextRanges, computed once
}

type textSection struct {
	name       string
	start, end uint32
	data       []byte
}

type lineRange struct {
	start, end uint32
	file       int32
	line       int32
	disc       int32
}

type funcRange struct {
	start, end uint32
	scope      int32
}

// scope is a subprogram or an inlined subroutine.
type scope struct {
	name     string
	parent   int32 // enclosing scope, -1 for a subprogram
	depth    int32
	callFile string
	callLine int
	ranges   [][2]uint64
	children []int32 // inlined scopes nested anywhere below
}

type symbol struct {
	value   uint32
	section elf.SectionIndex
	name    string
}

// OpenELF loads path. Errors are *bberr.Error (BadInput) with a hint.
func OpenELF(path string) (*Symbolizer, error) {
	f, err := os.Open(path)
	if err != nil {
		code := bberr.BadInput
		if errors.Is(err, os.ErrPermission) {
			code = bberr.Permission
		}
		return nil, bberr.Wrap(err, code, "give the .elf the build produced (Arduino: Sketch > Export compiled binary; PlatformIO: .pio/build/<env>/firmware.elf)", "cannot open ELF")
	}
	defer f.Close()
	s, err := NewSymbolizer(f)
	if err != nil {
		return nil, err
	}
	s.Path = path
	return s, nil
}

// NewSymbolizer reads an ELF from r. Everything it needs is copied, so r may
// be closed afterwards.
func NewSymbolizer(r io.ReaderAt) (s *Symbolizer, err error) {
	defer func() {
		// debug/dwarf can panic on hostile input in corners; an ELF is
		// outside input, so turn that into an error.
		if p := recover(); p != nil {
			s, err = nil, bberr.New(bberr.BadInput, "the file looks damaged; rebuild the sketch", "cannot read ELF debug information: %v", p)
		}
	}()
	f, err := elf.NewFile(r)
	if err != nil {
		return nil, bberr.Wrap(err, bberr.BadInput, "give the firmware's .elf file, not the .bin", "not an ELF file")
	}
	defer f.Close()
	s = &Symbolizer{}
	for _, sec := range f.Sections {
		if sec.Flags&elf.SHF_EXECINSTR == 0 || sec.Flags&elf.SHF_ALLOC == 0 || sec.Type != elf.SHT_PROGBITS || sec.Size == 0 {
			continue
		}
		data, err := sec.Data()
		if err != nil {
			return nil, bberr.Wrap(err, bberr.BadInput, "rebuild the sketch", "cannot read ELF section %s", sec.Name)
		}
		s.text = append(s.text, textSection{name: sec.Name, start: uint32(sec.Addr), end: uint32(sec.Addr + sec.Size), data: data})
	}
	sort.Slice(s.text, func(i, j int) bool { return s.text[i].start < s.text[j].start })
	s.ranges = s.textRanges() // computed here: a Symbolizer is shared read-only by decoders
	if syms, err := f.Symbols(); err == nil {
		for _, sy := range syms {
			if elf.ST_TYPE(sy.Info) == elf.STT_FUNC && sy.Name != "" {
				s.syms = append(s.syms, symbol{value: uint32(sy.Value), section: sy.Section, name: sy.Name})
			}
		}
		sort.SliceStable(s.syms, func(i, j int) bool { return s.syms[i].value < s.syms[j].value })
	}
	d, err := f.DWARF()
	if err != nil {
		// Still useful: function names from the symbol table.
		return s, nil
	}
	if err := s.index(d); err != nil {
		return nil, bberr.Wrap(err, bberr.BadInput, "rebuild the sketch with debug information (-g)", "cannot read ELF debug information")
	}
	return s, nil
}

// TextRanges describes the ELF's code sections, for messages.
func (s *Symbolizer) TextRanges() string { return s.ranges }

func (s *Symbolizer) textRanges() string {
	var b strings.Builder
	for i, t := range s.text {
		if i > 0 {
			b.WriteString(", ")
		}
		// Inclusive bounds: the last code byte, not the end address.
		fmt.Fprintf(&b, "%s %s-%s", t.name, hex8(t.start), hex8(t.end-1))
	}
	return b.String()
}

// InText reports whether pc lies in one of the ELF's code sections.
func (s *Symbolizer) InText(pc uint32) bool { return s.section(pc) != nil }

func (s *Symbolizer) section(pc uint32) *textSection {
	for i := range s.text {
		if pc >= s.text[i].start && pc < s.text[i].end {
			return &s.text[i]
		}
	}
	return nil
}

// IsReturnAddress reports whether pc is a plausible return address: inside
// the ELF's code and right after a CALL0 or CALLX0 instruction (the only
// call forms of the lx106, which has no register windows). A word on the
// stack that fails this is data that happens to look like a code address.
func (s *Symbolizer) IsReturnAddress(pc uint32) bool {
	t := s.section(pc)
	if t == nil || pc-3 < t.start {
		return false
	}
	return isCall(t.data[pc-3-t.start : pc-t.start])
}

// isCall decodes 3 little-endian instruction bytes.
//   - CALL0: op0 (bits 3:0) = 5, n (bits 5:4) = 0, 18-bit offset above.
//   - CALLX0: RRR format with op0=0, m (7:6)=3, n (5:4)=0, s (11:8)=reg,
//     r (15:12)=0, op1=op2=0, i.e. bytes C0 0s 00.
func isCall(b []byte) bool {
	if b[0]&0x3f == 0x05 {
		return true
	}
	return b[0] == 0xc0 && b[1]&0xf0 == 0 && b[2] == 0
}

func (s *Symbolizer) fileIndex(name string, m map[string]int32) int32 {
	if i, ok := m[name]; ok {
		return i
	}
	i := int32(len(s.files))
	s.files = append(s.files, name)
	m[name] = i
	return i
}

func (s *Symbolizer) index(d *dwarf.Data) error {
	fileIdx := map[string]int32{}
	type nameRef struct {
		name   string
		origin dwarf.Offset
	}
	names := map[dwarf.Offset]nameRef{}
	type pending struct {
		scope  int32
		origin dwarf.Offset
	}
	var unresolved []pending

	r := d.Reader()
	var cuFiles []*dwarf.LineFile
	// stack of open DIEs with children: the innermost enclosing scope index
	// and the qualified-name prefix (C++ namespaces and classes).
	type level struct {
		scope  int32
		prefix string
	}
	var stack []level
	for {
		e, err := r.Next()
		if err != nil {
			return err
		}
		if e == nil {
			break
		}
		if e.Tag == 0 {
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
			continue
		}
		cur := level{scope: -1}
		if len(stack) > 0 {
			cur = stack[len(stack)-1]
		}
		if e.Tag == dwarf.TagCompileUnit {
			stack = stack[:0]
			cur = level{scope: -1}
			cuFiles = nil
			lr, err := d.LineReader(e)
			if err == nil && lr != nil {
				cuFiles = s.indexLines(lr, fileIdx)
			}
		}
		name, _ := e.Val(dwarf.AttrName).(string)
		origin, _ := e.Val(dwarf.AttrAbstractOrigin).(dwarf.Offset)
		if origin == 0 {
			origin, _ = e.Val(dwarf.AttrSpecification).(dwarf.Offset)
		}
		if name != "" || origin != 0 {
			qn := name
			if name != "" && cur.prefix != "" {
				qn = cur.prefix + "::" + name
			}
			names[e.Offset] = nameRef{name: qn, origin: origin}
		}
		next := cur
		switch e.Tag {
		case dwarf.TagNamespace, dwarf.TagClassType, dwarf.TagStructType, dwarf.TagUnionType:
			if name != "" {
				if cur.prefix != "" {
					next.prefix = cur.prefix + "::" + name
				} else {
					next.prefix = name
				}
			}
		case dwarf.TagSubprogram, dwarf.TagInlinedSubroutine:
			ranges, err := d.Ranges(e)
			if err != nil || len(ranges) == 0 {
				break
			}
			sc := scope{parent: -1, ranges: ranges}
			if e.Tag == dwarf.TagInlinedSubroutine && cur.scope >= 0 {
				sc.parent = cur.scope
				sc.depth = s.scopes[cur.scope].depth + 1
				if fi, ok := e.Val(dwarf.AttrCallFile).(int64); ok && fi >= 0 && int(fi) < len(cuFiles) && cuFiles[fi] != nil {
					sc.callFile = cuFiles[fi].Name
				}
				if ln, ok := e.Val(dwarf.AttrCallLine).(int64); ok {
					sc.callLine = int(ln)
				}
			} else if e.Tag == dwarf.TagInlinedSubroutine {
				break // an inline outside any function: nothing to attach it to
			}
			idx := int32(len(s.scopes))
			s.scopes = append(s.scopes, sc)
			unresolved = append(unresolved, pending{scope: idx, origin: e.Offset})
			if sc.parent < 0 {
				for _, rg := range ranges {
					if rg[1] > rg[0] {
						s.funcs = append(s.funcs, funcRange{start: uint32(rg[0]), end: uint32(rg[1]), scope: idx})
					}
				}
			} else {
				for p := sc.parent; p >= 0; p = s.scopes[p].parent {
					s.scopes[p].children = append(s.scopes[p].children, idx)
				}
			}
			next.scope = idx
		}
		if e.Children {
			stack = append(stack, next)
		}
	}
	// Names through abstract_origin/specification chains (bounded: a
	// malformed chain must not loop).
	for _, p := range unresolved {
		off := p.origin
		for i := 0; i < 8; i++ {
			n, ok := names[off]
			if !ok {
				break
			}
			if n.name != "" {
				s.scopes[p.scope].name = n.name
				break
			}
			off = n.origin
		}
	}
	sort.Slice(s.funcs, func(i, j int) bool { return s.funcs[i].start < s.funcs[j].start })
	sort.Slice(s.lines, func(i, j int) bool { return s.lines[i].start < s.lines[j].start })
	return nil
}

// indexLines adds every row range of every sequence of one CU's line table.
// Rows at the same address: the last one wins (an empty range is dropped),
// as in addr2line.
func (s *Symbolizer) indexLines(lr *dwarf.LineReader, fileIdx map[string]int32) []*dwarf.LineFile {
	var prev, cur dwarf.LineEntry
	have := false
	seqStart := uint64(0)
	for {
		if err := lr.Next(&cur); err != nil {
			break
		}
		if !have {
			seqStart = cur.Address
		}
		if have && cur.Address > prev.Address && prev.File != nil && seqStart != 0 {
			// seqStart 0: a tombstoned sequence (code removed by the linker).
			s.lines = append(s.lines, lineRange{
				start: uint32(prev.Address), end: uint32(cur.Address),
				file: s.fileIndex(prev.File.Name, fileIdx), line: int32(prev.Line), disc: int32(prev.Discriminator),
			})
		}
		if cur.EndSequence {
			have = false
			continue
		}
		prev, have = cur, true
	}
	return lr.Files()
}

// Location is what an address resolves to.
type Location struct {
	PC     uint32
	Frames []SourceFrame // innermost first; empty if nothing is known
	// FuncKnown/LineKnown say which part was found (addr2line prints
	// "func at ??:?" or "?? ??:0").
	FuncKnown, LineKnown bool
}

// Lookup resolves pc.
func (s *Symbolizer) Lookup(pc uint32) Location {
	loc := Location{PC: pc}
	top := SourceFrame{Func: "??", File: "??"}
	if lr, ok := s.lineAt(pc); ok {
		top.File, top.Line, top.Discriminator = s.files[lr.file], int(lr.line), int(lr.disc)
		loc.LineKnown = true
	}
	chain := s.scopeChain(pc)
	if len(chain) == 0 {
		if name, ok := s.symbolAt(pc); ok {
			top.Func = name
			loc.FuncKnown = true
		}
		if loc.FuncKnown || loc.LineKnown {
			loc.Frames = []SourceFrame{top}
		}
		return loc
	}
	loc.FuncKnown = true
	inner := s.scopes[chain[0]]
	top.Func = nameOr(inner.name)
	loc.Frames = append(loc.Frames, top)
	for _, i := range chain {
		sc := s.scopes[i]
		if sc.parent < 0 {
			break
		}
		loc.Frames = append(loc.Frames, SourceFrame{Func: nameOr(s.scopes[sc.parent].name), File: orQ(sc.callFile), Line: sc.callLine})
	}
	return loc
}

func nameOr(n string) string {
	if n == "" {
		return "??"
	}
	return n
}

func orQ(n string) string {
	if n == "" {
		return "??"
	}
	return n
}

func (s *Symbolizer) lineAt(pc uint32) (lineRange, bool) {
	i := sort.Search(len(s.lines), func(i int) bool { return s.lines[i].start > pc }) - 1
	if i >= 0 && pc < s.lines[i].end {
		return s.lines[i], true
	}
	return lineRange{}, false
}

// scopeChain returns the scopes containing pc, innermost first.
func (s *Symbolizer) scopeChain(pc uint32) []int32 {
	// Function ranges do not overlap in practice; look at the nearest few
	// starting at or below pc in case a range list interleaves.
	i := sort.Search(len(s.funcs), func(i int) bool { return s.funcs[i].start > pc }) - 1
	found := -1
	for k := i; k >= 0 && k > i-8; k-- {
		if f := s.funcs[k]; pc >= f.start && pc < f.end {
			found = k
			break
		}
	}
	if found < 0 {
		return nil
	}
	root := s.funcs[found].scope
	best := root
	for _, c := range s.scopes[root].children {
		sc := s.scopes[c]
		if sc.depth > s.scopes[best].depth && contains(sc.ranges, pc) {
			best = c
		}
	}
	var chain []int32
	for c := best; c >= 0; c = s.scopes[c].parent {
		chain = append(chain, c)
	}
	return chain
}

func contains(rs [][2]uint64, pc uint32) bool {
	for _, r := range rs {
		if uint64(pc) >= r[0] && uint64(pc) < r[1] {
			return true
		}
	}
	return false
}

// symbolAt is addr2line's fallback outside any DWARF function: the nearest
// function symbol at or below pc in the same code section (no size check,
// which is what binutils 2.40 does for literal pools and padding).
func (s *Symbolizer) symbolAt(pc uint32) (string, bool) {
	t := s.section(pc)
	if t == nil {
		return "", false
	}
	i := sort.Search(len(s.syms), func(i int) bool { return s.syms[i].value > pc }) - 1
	if i >= 0 && s.syms[i].value >= t.start {
		return s.syms[i].name, true
	}
	return "", false
}

// Addr2Line formats loc exactly as `addr2line -pfiaC` prints it.
func (loc Location) Addr2Line() string {
	var b strings.Builder
	b.WriteString(hex8(loc.PC))
	b.WriteString(": ")
	if len(loc.Frames) == 0 {
		b.WriteString("?? ??:0\n")
		return b.String()
	}
	for i, f := range loc.Frames {
		if i > 0 {
			b.WriteString(" (inlined by) ")
		}
		b.WriteString(f.Func)
		b.WriteString(" at ")
		if i == 0 && !loc.LineKnown {
			b.WriteString("??:?\n")
			continue
		}
		fmt.Fprintf(&b, "%s:%d", f.File, f.Line)
		if f.Discriminator != 0 {
			fmt.Fprintf(&b, " (discriminator %d)", f.Discriminator)
		}
		b.WriteByte('\n')
	}
	return b.String()
}
