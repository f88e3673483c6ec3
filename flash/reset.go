package flash

import (
	"context"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// resetStep is one action of a reset sequence: set DTR, set RTS, set both
// at once, or wait.
type resetStep struct {
	kind     byte // 'D', 'R', 'U' (both), 'W'
	dtr, rts bool
	wait     time.Duration
}

// ResetStrategy is a named way of pulling the board into its boot loader
// through DTR/RTS (reference 10.2).
type ResetStrategy struct {
	Name  string
	steps []resetStep
}

func (s ResetStrategy) String() string { return s.Name }

// run plays the steps. Single-line steps keep the other line's current level,
// which is what separate TIOCMBIS/TIOCMBIC calls do on a classic driver.
func (s ResetStrategy) run(ctx context.Context, c connection) error {
	var dtr, rts bool
	for _, st := range s.steps {
		switch st.kind {
		case 'D':
			dtr = st.dtr
		case 'R':
			rts = st.rts
		case 'U':
			dtr, rts = st.dtr, st.rts
		case 'W':
			if err := sleep(ctx, st.wait); err != nil {
				return err
			}
			continue
		}
		if err := c.setLines(dtr, rts); err != nil {
			return err
		}
	}
	return nil
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// UnixTight is esptool's default on Linux and macOS: both lines change in
// one call, so the circuit never sees an intermediate state.
func UnixTight(delay time.Duration) ResetStrategy {
	u := func(d, r bool) resetStep { return resetStep{kind: 'U', dtr: d, rts: r} }
	return ResetStrategy{
		Name: fmt.Sprintf("unix-tight(%v)", delay),
		steps: []resetStep{
			u(false, false), u(true, true), u(false, true), // IO0 high, EN low
			{kind: 'W', wait: 100 * time.Millisecond},
			u(true, false), // IO0 low, EN high: the ROM samples GPIO0 now
			{kind: 'W', wait: delay},
			u(false, false), u(false, false),
		},
	}
}

// Classic is the portable sequence with one line per call.
func Classic(delay time.Duration) ResetStrategy {
	return ResetStrategy{
		Name: fmt.Sprintf("classic(%v)", delay),
		steps: []resetStep{
			{kind: 'D', dtr: false}, {kind: 'R', rts: true},
			{kind: 'W', wait: 100 * time.Millisecond},
			{kind: 'D', dtr: true}, {kind: 'R', rts: false},
			{kind: 'W', wait: delay},
			{kind: 'D', dtr: false},
		},
	}
}

// DefaultStrategies is the order esptool cycles through per attempt:
// tight then classic, each with the short and the long ("extra") delay.
// Windows drivers cannot set both lines at once, so only classic there.
func DefaultStrategies() []ResetStrategy {
	short, long := 50*time.Millisecond, 550*time.Millisecond
	if runtime.GOOS == "windows" {
		return []ResetStrategy{Classic(short), Classic(long)}
	}
	return []ResetStrategy{UnixTight(short), UnixTight(long), Classic(short), Classic(long)}
}

// ParseResetSequence parses a custom sequence such as
// "D0|R1|W100|D1|R0|W50|D0": D/R set DTR/RTS (1 = asserted), U<d><r> sets
// both at once (U01), W waits in milliseconds; a W with a decimal point is
// in seconds, as esptool's config files write it ("W0.1").
func ParseResetSequence(s string) (ResetStrategy, error) {
	st := ResetStrategy{Name: "custom(" + s + ")"}
	for _, tok := range strings.Split(s, "|") {
		tok = strings.TrimSpace(tok)
		if len(tok) < 2 {
			return st, fmt.Errorf("reset sequence %q: empty or short step %q", s, tok)
		}
		arg := tok[1:]
		switch k := strings.ToUpper(tok[:1])[0]; k {
		case 'D', 'R':
			if arg != "0" && arg != "1" {
				return st, fmt.Errorf("reset sequence %q: step %q needs 0 or 1", s, tok)
			}
			v := arg == "1"
			st.steps = append(st.steps, resetStep{kind: k, dtr: v, rts: v})
		case 'U':
			if len(arg) != 2 || strings.Trim(arg, "01") != "" {
				return st, fmt.Errorf("reset sequence %q: step %q needs two bits (U01)", s, tok)
			}
			st.steps = append(st.steps, resetStep{kind: 'U', dtr: arg[0] == '1', rts: arg[1] == '1'})
		case 'W':
			f, err := strconv.ParseFloat(arg, 64)
			if err != nil || f < 0 || f > 10000 {
				return st, fmt.Errorf("reset sequence %q: bad wait %q", s, tok)
			}
			d := time.Duration(f * float64(time.Millisecond))
			if strings.Contains(arg, ".") {
				d = time.Duration(f * float64(time.Second))
			}
			if d > 10*time.Second {
				return st, fmt.Errorf("reset sequence %q: wait %q longer than 10 s", s, tok)
			}
			st.steps = append(st.steps, resetStep{kind: 'W', wait: d})
		default:
			return st, fmt.Errorf("reset sequence %q: unknown step %q (use D, R, U or W)", s, tok)
		}
	}
	return st, nil
}

// hardReset pulses EN low with GPIO0 released: the app boots (reference 10.3).
var hardReset = ResetStrategy{Name: "hard-reset", steps: []resetStep{
	{kind: 'U', dtr: false, rts: true},
	{kind: 'W', wait: 100 * time.Millisecond},
	{kind: 'U', dtr: false, rts: false},
}}
