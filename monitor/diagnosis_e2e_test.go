package monitor

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/blynkbridge/blynkbridge/decode"
	"github.com/blynkbridge/blynkbridge/sim"
)

// The false diagnoses a new user met, each reproduced over a real pty with
// the simulated board and checked against the diagnosis text and counts.

// diagnosis is the rig's diagnosis as the plain printer writes it.
func (r *ptyRig) diagnosis() (string, []decode.Problem) {
	r.mu.Lock()
	defer r.mu.Unlock()
	ps := r.tr.Problems()
	var b strings.Builder
	_ = decode.WriteProblems(&b, ps)
	return b.String(), ps
}

// eventsOf returns the events of one kind seen so far.
func (r *ptyRig) eventsOf(k decode.Kind) []decode.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []decode.Event
	for _, e := range r.events {
		if e.Kind == k {
			out = append(out, e)
		}
	}
	return out
}

// ticks counts the demo sketch's "tick N" lines received.
func (r *ptyRig) ticks() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Count(r.data.String(), "] tick ")
}

// nextTick waits for the sketch to print one more tick line: proof it is
// still running.
func (r *ptyRig) nextTick(t *testing.T) {
	t.Helper()
	n := r.ticks()
	r.waitUntil(t, "the next tick", func() bool { return r.ticks() > n })
}

func problem(ps []decode.Problem, id string) *decode.Problem {
	for i := range ps {
		if ps[i].ID == id {
			return &ps[i]
		}
	}
	return nil
}

// Bursts of random bytes from a board whose sketch keeps ticking are noise:
// no restart, no boot loop, uptime not restarted.
func TestE2EGarbageOnRunningBoardIsNotAReset(t *testing.T) {
	r := newPTYRig(t, sim.Options{Flash: testFlash()}, false)
	r.waitUntil(t, "running", func() bool { return r.state().Board == BoardRunning })
	r.nextTick(t)
	booted := r.state().BootedAt
	for range 3 {
		r.b.Garbage(32)
		r.nextTick(t)
	}
	r.waitUntil(t, "3 garbage events", func() bool { return len(r.eventsOf(decode.KindGarbage)) >= 3 })

	for _, e := range r.eventsOf(decode.KindGarbage) {
		if e.Fields["reset"] != "" || strings.Contains(e.Summary, "just reset") {
			t.Fatalf("garbage on a running board called a restart: %q %v", e.Summary, e.Fields)
		}
	}
	if n := len(r.eventsOf(decode.KindReboot)); n != 0 {
		t.Fatalf("%d reboot events for a board that never restarted", n)
	}
	if got := r.state().BootedAt; !got.Equal(booted) {
		t.Fatalf("uptime restarted by garbage: booted %v, now %v", booted, got)
	}
	text, ps := r.diagnosis()
	if len(ps) != 0 || !strings.Contains(text, "no problems found") {
		t.Fatalf("diagnosis for a running board with line noise:\n%s", text)
	}
}

// A board unplugged and plugged back in, again and again: each replug
// powers it up, but that is the replug's doing - no boot loop, no crash.
func TestE2EPeriodicUnplugIsNotABootLoop(t *testing.T) {
	r := newPTYRig(t, sim.Options{Flash: testFlash()}, true)
	r.waitUntil(t, "running", func() bool { return r.state().Board == BoardRunning })
	const unplugs = 3
	for i := 1; i <= unplugs; i++ {
		r.nextTick(t)
		r.b.Unplug()
		r.waitUntil(t, "unplugged", func() bool { return r.state().Board == BoardUnplugged })
		time.Sleep(100 * time.Millisecond)
		if err := r.b.Replug(); err != nil {
			t.Fatal(err)
		}
		r.waitUntil(t, "reconnected", func() bool { return r.e.Status().Gaps == i })
		r.waitUntil(t, "running again", func() bool { return r.state().Board == BoardRunning })
	}
	r.nextTick(t)
	text, ps := r.diagnosis()
	if problem(ps, "boot-loop") != nil || problem(ps, "crash") != nil || strings.Contains(text, "crash") {
		t.Fatalf("periodic unplug diagnosed as a boot loop or crash:\n%s", text)
	}
	if len(ps) != 0 {
		t.Fatalf("diagnosis after %d unplugs:\n%s", unplugs, text)
	}
	if g := r.e.Status().Gaps; g != unplugs {
		t.Fatalf("gaps = %d, want %d", g, unplugs)
	}
	// Every boot sign after a replug carries the replug as its cause.
	for _, k := range []decode.Kind{decode.KindReboot, decode.KindROMBanner} {
		for _, e := range r.eventsOf(k) {
			if c := e.Fields["cause"]; c == "" && !e.HostTime.Before(r.firstGapAt()) {
				t.Fatalf("%s after a replug without the replug as cause: %q", k, e.Summary)
			}
		}
	}
}

// firstGapAt is the host time of the first "board back" note (or far in the
// future when there is none).
func (r *ptyRig) firstGapAt() time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.firstBack.IsZero() {
		return time.Now().Add(time.Hour)
	}
	return r.firstBack
}

// One crash among garbage bursts: one crash counted, once; the restart
// after it is one restart; no boot loop; garbage is not counted as crashes
// or restarts.
func TestE2ECrashPlusGarbageCountsOneCrash(t *testing.T) {
	r := newPTYRig(t, sim.Options{Flash: testFlash()}, false)
	r.waitUntil(t, "running", func() bool { return r.state().Board == BoardRunning })
	r.nextTick(t)
	r.b.Garbage(32)
	r.nextTick(t)
	if err := r.b.Crash(sim.RestartException); err != nil {
		t.Fatal(err)
	}
	r.waitUntil(t, "crash seen", func() bool { return len(r.eventsOf(decode.KindCrash)) == 1 })
	r.waitUntil(t, "running after the crash", func() bool { return r.state().Board == BoardRunning })
	r.nextTick(t)
	r.b.Garbage(32)
	r.nextTick(t)
	r.b.Garbage(32)
	r.nextTick(t)

	text, ps := r.diagnosis()
	c := problem(ps, "crash")
	if c == nil || c.Count != 1 || c.Certainty != decode.CertainCertain {
		t.Fatalf("crash problem %+v, want count 1, certain:\n%s", c, text)
	}
	if strings.Contains(text, "seen") || strings.Contains(text, "times") {
		t.Fatalf("one crash reported as several:\n%s", text)
	}
	if !strings.Contains(text, "the sketch crashed: Exception (28)") {
		t.Fatalf("diagnosis does not name the crash:\n%s", text)
	}
	if problem(ps, "boot-loop") != nil {
		t.Fatalf("one crash diagnosed as a boot loop:\n%s", text)
	}
	resets := 0
	for _, e := range r.eventsOf(decode.KindGarbage) {
		if e.Fields["reset"] == "crash" {
			resets++
		}
	}
	resets += len(r.eventsOf(decode.KindReboot))
	if resets > 1 {
		t.Fatalf("%d restarts counted for one crash", resets)
	}
}

// Resets the monitor causes (the r key, three in a row, seconds apart) are
// the user's doing: every banner carries the cause, no boot loop.
func TestE2EHostResetsAreNotABootLoop(t *testing.T) {
	r := newPTYRig(t, sim.Options{Flash: testFlash()}, false)
	r.waitUntil(t, "running", func() bool { return r.state().Board == BoardRunning })
	for range 3 {
		r.nextTick(t)
		if err := r.e.Reset(context.Background(), false); err != nil {
			t.Fatal(err)
		}
	}
	r.nextTick(t)
	banners := r.eventsOf(decode.KindROMBanner)
	if len(banners) < 4 {
		t.Fatalf("%d ROM banners, want 4 (power-on + 3 resets)", len(banners))
	}
	for _, e := range banners {
		if e.Fields["cause"] == "" {
			t.Fatalf("banner without its host cause: %q %v", e.Summary, e.Fields)
		}
	}
	if text, ps := r.diagnosis(); problem(ps, "boot-loop") != nil {
		t.Fatalf("resets by the monitor diagnosed as a boot loop:\n%s", text)
	}
}
