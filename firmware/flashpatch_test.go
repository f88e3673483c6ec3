package firmware

import (
	"bytes"
	"strings"
	"testing"

	"github.com/blynkbridge/blynkbridge/internal/bberr"
)

// The flash command's patch decisions, without a board.
func TestPlanFlashPatch(t *testing.T) {
	img := fixtureArduino(t)
	host := "blynk.lan"
	port := 9443
	s := Settings{Host: &host, Port: &port}

	if p, err := PlanFlashPatch(FlashPatchInput{File: "fw.bin", Image: img}); p != nil || err != nil {
		t.Fatalf("nothing to patch: %v %v", p, err)
	}
	if _, err := PlanFlashPatch(FlashPatchInput{File: "fw.bin", Image: img, NoPatch: true, ConfigOnly: true}); bberr.CodeOf(err) != bberr.Usage {
		t.Fatalf("--no-patch --config-only: %v", err)
	}
	if _, err := PlanFlashPatch(FlashPatchInput{File: "fw.bin", Image: img, ConfigOnly: true}); bberr.CodeOf(err) != bberr.Usage || !strings.Contains(err.Error(), "no --base") {
		t.Fatalf("--config-only alone: %v", err)
	}
	p, err := PlanFlashPatch(FlashPatchInput{File: "fw.bin", Image: img, Settings: s, ConfigOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(p.Image, img) || !bytes.Equal(p.Base, img) || len(p.JSON().ChangedSectors) == 0 || !p.JSON().ConfigOnly {
		t.Fatalf("config-only patch: %+v", p.JSON())
	}
	if err := Verify(p.Image); err != nil {
		t.Fatalf("patched image does not verify: %v", err)
	}
	var rep bytes.Buffer
	p.Report(&rep, "fw.bin")
	if !strings.Contains(rep.String(), "Server: blynk.lan:9443") || !strings.Contains(rep.String(), "--config-only: writing only those") {
		t.Fatalf("report:\n%s", rep.String())
	}
	// FILE that came patched, against its original: only the block and
	// seals differ, so --config-only accepts it.
	q, err := PlanFlashPatch(FlashPatchInput{File: "out.bin", Image: p.Image, Base: img, BaseName: "fw.bin", ConfigOnly: true})
	if err != nil || q.patched || len(q.sectors) == 0 {
		t.Fatalf("pre-patched: %+v %v", q, err)
	}
	// A code change is not a config change.
	other := append([]byte(nil), p.Image...)
	other[0x20] ^= 1
	if _, err := PlanFlashPatch(FlashPatchInput{File: "out.bin", Image: other, Base: img, BaseName: "fw.bin", ConfigOnly: true}); err == nil {
		t.Fatal("a code change passed as config-only")
	}
}
