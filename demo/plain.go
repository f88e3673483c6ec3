package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/blynkbridge/blynkbridge/decode"
	"github.com/blynkbridge/blynkbridge/internal/bberr"
	"github.com/blynkbridge/blynkbridge/internal/safeio"
	"github.com/blynkbridge/blynkbridge/monitor"
)

// DefaultTimeout bounds the whole plain demo.
const DefaultTimeout = 60 * time.Second

// Stage is how far the story has got.
type Stage int

// Stages of the story, in order.
const (
	StageBooting   Stage = iota // waiting for the failure
	StageDiagnosed              // failure seen, diagnosis shown
	StageFlashing               // fix being flashed
	StageFlashed                // flashed; waiting for Ready
	StageReady                  // the board printed Ready
)

// Story follows the monitor's items and says when the failure has been
// seen in full (connect by IP, certificate mismatch, login timeout) and when
// the board is ready. The plain runner and the TUI share it, so both tell
// the same story from the same evidence.
type Story struct {
	Stage                       Stage
	sawIP, sawMismatch, sawTime bool
}

// Observe folds in one decoded event and reports whether the stage changed.
func (s *Story) Observe(e decode.Event) bool {
	if e.Kind != decode.KindBlynk {
		return false
	}
	switch msg := e.Fields["msg"]; {
	case s.Stage == StageBooting:
		switch msg {
		case "connect-ip":
			s.sawIP = true
		case "cert-mismatch":
			s.sawMismatch = true
		case "login-timeout":
			s.sawTime = s.sawMismatch
		}
		if s.sawIP && s.sawMismatch && s.sawTime {
			s.Stage = StageDiagnosed
			return true
		}
	case s.Stage >= StageFlashing && s.Stage < StageReady && msg == "ready":
		s.Stage = StageReady
		return true
	}
	return false
}

// Intro is the narration printed before the board starts.
func (d *Demo) Intro() []string {
	return []string{
		fmt.Sprintf("simulated WeMos D1 mini (ESP8266) on pty %s; the monitor opens it with go.bug.st/serial, resets drive the board's DTR/RTS circuit", d.PTY),
		fmt.Sprintf("local Blynk server over TLS on 127.0.0.1:%d, fresh certificate for DNS name %q only (no IP SAN), SHA-1 %s", d.Port, CertHost, d.Server.Fingerprint()),
		"firmware: Blynk 0.4.10 SSL sketch (axTLS), Blynk.begin(auth, ssid, pass, IPAddress(127,0,0,1), port, fingerprint)",
		"  with the fingerprint pasted from Windows: the string literal in the image starts with an invisible U+200E;",
		"  the blynkbridge config block as compiled holds host 127.0.0.1, TLS sha1 and no fingerprint, so the sketch passes that literal byte for byte",
	}
}

// RunPlain plays the story without the TUI: monitor output as annotated
// lines, the diagnosis once the failure has shown, then the fix flashed
// from inside the monitor, and success when the board prints Ready.
func RunPlain(ctx context.Context, w io.Writer, opts Options, timeout time.Duration) error {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	// The flash runs beside the consumer loop, so its progress and the
	// monitor's notes interleave as they happen: one lock for the writer.
	w = safeio.NewSyncWriter(w) // the consumer loop and the flash both write
	say := func(format string, args ...any) { fmt.Fprintf(w, "demo: "+format+"\n", args...) }

	d, err := Start(opts)
	if err != nil {
		return err
	}
	defer d.Close()
	for _, l := range d.Intro() {
		say("%s", l)
	}
	eng := monitor.New(monitor.Options{Open: d.Open, Decoder: decode.New(decode.Options{}), Reconnect: true})
	runErr := make(chan error, 1)
	go func() { runErr <- eng.Run(ctx) }()
	if err := d.PowerOn(ctx, eng); err != nil {
		return failure(ctx, StageBooting, err, runErr)
	}

	pr := monitor.NewPrinter(w, false)
	tr := monitor.NewTracker()
	var story Story
	fixDone := make(chan error, 1)
	for {
		items, err := eng.Wait(ctx)
		if err != nil {
			return failure(ctx, story.Stage, err, runErr)
		}
		select {
		case ferr := <-fixDone:
			if ferr != nil {
				return ferr
			}
			story.Stage = max(story.Stage, StageFlashed)
		default:
		}
		for _, it := range items {
			_ = pr.Print(it)
			tr.Observe(it, eng.Status())
			if it.Kind != monitor.ItemEvent || !story.Observe(it.Event) {
				continue
			}
			switch story.Stage {
			case StageDiagnosed:
				// The image's problems join the log's once the symptom
				// is on screen.
				tr.SetImageProblems(monitor.ImageProblems(d.Image()))
				fx, err := diagnoseAndPlan(w, d, tr, say)
				if err != nil {
					return err
				}
				story.Stage = StageFlashing
				go func() { fixDone <- flashFix(ctx, w, d, eng, fx, say) }()
			case StageReady:
				// Ready can only come from the fixed image, but report the
				// flash before declaring success.
				if story.Stage < StageFlashed {
					if ferr := <-fixDone; ferr != nil {
						return ferr
					}
				}
				say("the board is online: %q, Blynk state %s. Done.", strings.TrimSpace(it.Event.Raw), tr.State().Blynk)
				cancel()
				<-runErr
				return nil
			}
		}
	}
}

func diagnoseAndPlan(w io.Writer, d *Demo, tr *monitor.Tracker, say func(string, ...any)) (*Fix, error) {
	ps := tr.Problems()
	_ = monitor.NewPrinter(w, false).Problems(ps)
	fx, err := PlanFix(d.Image(), CertHost)
	if err != nil {
		return nil, bberr.Wrap(err, bberr.Failure, "", "demo: planning the fix")
	}
	say("scanned the image on the board (firmware.Fingerprints, firmware.FindConfig):")
	for _, f := range fx.Findings {
		say("  found: %s", f.What)
		say("    fix: %s", f.Fix)
	}
	if fx.Fingerprint != d.Server.Fingerprint() {
		say("  note: the clean fingerprint does not match the server's certificate (%s)", d.Server.Fingerprint())
	}
	return fx, nil
}

func flashFix(ctx context.Context, w io.Writer, d *Demo, eng *monitor.Engine, fx *Fix, say func(string, ...any)) error {
	var secs []string
	for _, s := range fx.Sectors {
		secs = append(secs, fmt.Sprintf("0x%05X", s*0x1000))
	}
	say("patching the config block: host %q, fingerprint %s (firmware.Patch re-seals block CRC, XOR checksum, Arduino CRC words)", fx.Host, fx.Fingerprint)
	say("flashing only the changed sectors (%d of %d): %s", len(fx.Sectors), (len(fx.Image)+0xFFF)/0x1000, strings.Join(secs, " "))
	last := -1
	res, err := d.Apply(ctx, eng, fx, func(done, total int) {
		if total > 0 && done*10/total != last {
			last = done * 10 / total
			fmt.Fprintf(w, "demo:   flash %3d%% (%d/%d bytes of the image)\n", done*100/total, done, total)
		}
	})
	if err != nil {
		return bberr.Wrap(err, bberr.CodeOf(err), bberr.HintOf(err), "demo: flashing the fix")
	}
	// Two different byte counts: the progress above counts image bytes,
	// the wire count is smaller when the stub compresses. Name both so
	// they cannot be read as one figure that disagrees with itself.
	say("flashed %d sector(s) (%d bytes of the image, %d bytes on the wire), skipped %d unchanged, in %s; the flasher reset the board",
		res.SectorsWritten, res.Planned, res.Bytes, res.SectorsSkipped, res.Duration.Round(time.Millisecond))
	return nil
}

func failure(ctx context.Context, stage Stage, err error, runErr chan error) error {
	if errors.Is(err, context.DeadlineExceeded) || ctx.Err() == context.DeadlineExceeded {
		what := map[Stage]string{
			StageBooting:  "the board never showed the certificate failure",
			StageFlashing: "the fix was not flashed",
			StageFlashed:  "the board did not print Ready after the fix",
		}[stage]
		return bberr.New(bberr.NoResponse, "run with -v to see the sim's and the server's logs", "demo timed out: %s", what)
	}
	select {
	case rerr := <-runErr:
		if rerr != nil {
			return rerr
		}
	default:
	}
	return err
}
