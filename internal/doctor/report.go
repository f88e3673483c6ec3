package doctor

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/blynkbridge/blynkbridge/internal/bberr"
)

// Report is one run's findings as `blynkbridge doctor` shows them.
type Report struct {
	Findings []Finding
}

// WriteJSON prints {"v": 1, "ok": ..., "findings": [...]}; ok is false
// when any finding failed.
func (r Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(struct {
		V        int       `json:"v"`
		OK       bool      `json:"ok"`
		Findings []Finding `json:"findings"`
	}{1, Worst(r.Findings) != Fail, r.Findings})
}

// WriteText prints one line per finding, then its detail and, for a
// finding that is not OK, its fix.
func (r Report) WriteText(w io.Writer) {
	label := map[Status]string{OK: "ok", Info: "info", Warn: "WARN", Fail: "FAIL"}
	for _, f := range r.Findings {
		fmt.Fprintf(w, "%-4s  %-13s %s\n", label[f.Status], f.ID, f.Summary)
		if f.Detail != "" {
			fmt.Fprintf(w, "      %-13s %s\n", "", f.Detail)
		}
		if f.Fix != "" && f.Status != OK {
			fmt.Fprintf(w, "      %-13s fix: %s\n", "", f.Fix)
		}
	}
}

// Err is nil unless a finding failed; then it is the check-failed error
// (exit 10) naming the failed checks.
func (r Report) Err() error {
	var ids []string
	for _, f := range r.Findings {
		if f.Status == Fail {
			ids = append(ids, f.ID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	return bberr.New(bberr.CheckFailed, "follow the fix: lines above, then run blynkbridge doctor again",
		"doctor found %d problem(s): %s", len(ids), strings.Join(ids, ", "))
}
