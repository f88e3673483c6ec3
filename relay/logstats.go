package relay

import "log/slog"

// LogStats logs the counters: one JSON line with every board (the "boards"
// array holds Stats objects), or one text line per board.
func LogStats(l *slog.Logger, stats []Stats, asJSON bool) {
	if asJSON {
		l.Info("stats", "boards", stats)
		return
	}
	for _, s := range stats {
		l.Info("stats", "board", s.Board, "state", string(s.State), "server", s.Server,
			"frames_up", s.FramesUp, "bytes_up", s.BytesUp, "frames_down", s.FramesDown, "bytes_down", s.BytesDown,
			"logins_ok", s.LoginsOK, "board_logins", s.BoardLogins, "reconnects", s.Reconnects, "replays", s.Replays,
			"last_ping_rtt_ms", s.LastPingRTTms, "skipped_bytes", s.SkippedBytes, "buffered", s.Buffered, "dropped", s.Dropped,
			"dropped_by", DropCauses(s.DroppedBy), "oversize", s.Oversize, "last_error", s.LastError)
	}
}
