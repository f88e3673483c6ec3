package relay

import (
	"log/slog"
	"strings"
	"testing"
)

// The plain stats line carries the buffered count and the drops by cause.
func TestRelayPlainStatsLine(t *testing.T) {
	var b strings.Builder
	l := slog.New(slog.NewTextHandler(&b, nil))
	LogStats(l, []Stats{{Board: "uno", Buffered: 3, Dropped: 5, DroppedBy: map[string]int64{DropShutdown: 3, DropBufferFull: 2}}}, false)
	for _, want := range []string{"buffered=3", "dropped=5", `dropped_by="buffer-full=2 shutdown=3"`} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("stats line lacks %s: %s", want, b.String())
		}
	}
}
