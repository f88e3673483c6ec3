package demo

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/blynkbridge/blynkbridge/decode"
	"github.com/blynkbridge/blynkbridge/internal/bberr"
	"github.com/blynkbridge/blynkbridge/monitor"
)

// Console is the demo's controller for the TUI (tui.Controller): the
// monitor's console, whose flash key applies the fix (PlanFix + Apply) and
// whose item stream carries the demo's narration as host notes when the
// story moves on.
type Console struct {
	*monitor.Console
	Demo *Demo

	mu    sync.Mutex
	story Story
	fixed bool
	probs []decode.Problem // image problems, computed when the failure shows
	of    []byte           // the image probs describe
}

// NewConsole wraps an engine running on d's board.
func NewConsole(d *Demo, eng *monitor.Engine) *Console {
	return &Console{Console: &monitor.Console{Engine: eng}, Demo: d}
}

// Wait passes the engine's items on, adding a narration note when the
// failure has shown in full and when the board is ready.
func (c *Console) Wait(ctx context.Context) ([]monitor.Item, error) {
	items, err := c.Console.Wait(ctx)
	if err != nil {
		return items, err
	}
	out := make([]monitor.Item, 0, len(items)+1)
	for _, it := range items {
		out = append(out, it)
		if it.Kind != monitor.ItemEvent {
			continue
		}
		c.mu.Lock()
		changed := c.story.Observe(it.Event)
		stage := c.story.Stage
		c.mu.Unlock()
		if !changed {
			continue
		}
		switch stage {
		case StageDiagnosed:
			out = append(out, note("demo: the board cannot log in. The diagnosis below names the invisible U+200E in the image's fingerprint and the IPAddress problem. Press f to patch the fix into the firmware and flash it."))
		case StageReady:
			out = append(out, note("demo: the board is online. Press q to quit."))
		}
	}
	return out, nil
}

func note(text string) monitor.Item {
	return monitor.Item{Kind: monitor.ItemNote, Time: time.Now(), Note: text}
}

// FlashLabel says what the f key does in the demo.
func (c *Console) FlashLabel() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fixed {
		return "the fix (already on the board)"
	}
	return fmt.Sprintf("the fix: clean fingerprint + host %q into the config block, changed sectors only", CertHost)
}

// Flash plans the fix from the image on the board and writes it through
// the monitor.
func (c *Console) Flash(ctx context.Context, progress func(done, total int)) (string, error) {
	c.mu.Lock()
	fixed := c.fixed
	c.mu.Unlock()
	if fixed {
		return "", bberr.New(bberr.Usage, "press r to reset the board and watch it connect again, q to quit", "the fix is already on the board")
	}
	fx, err := PlanFix(c.Demo.Image(), CertHost)
	if err != nil {
		return "", err
	}
	c.mu.Lock()
	c.story.Stage = StageFlashing
	c.mu.Unlock()
	res, err := c.Demo.Apply(ctx, c.Engine, fx, progress)
	if err != nil {
		return "", err
	}
	c.mu.Lock()
	c.fixed = true
	c.story.Stage = StageFlashed
	c.mu.Unlock()
	var what []string
	for _, f := range fx.Findings {
		what = append(what, f.Fix)
	}
	return fmt.Sprintf("demo: patched (%s); %s", strings.Join(what, "; "), monitor.FlashSummary(res)), nil
}

// ImageProblems checks the image on the board once the failure has shown
// (the story reveals the diagnosis when the symptom is on screen, as the
// plain demo does), then again after the fix.
func (c *Console) ImageProblems() []decode.Problem {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.story.Stage == StageBooting {
		return nil
	}
	img := c.Demo.Image()
	if c.of == nil || &c.of[0] != &img[0] {
		c.of, c.probs = img, monitor.ImageProblems(img)
	}
	return c.probs
}
