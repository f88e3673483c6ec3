package decode

import (
	"regexp"
	"strconv"
	"strings"
)

// The ROM banner may follow printable junk on the same line (the first
// byte after reset is often half-received) and some copies lose the colon.
var reBanner = regexp.MustCompile(`ets Jan\s+8 2013,\s*rst cause:?\s*(\d+),\s*boot mode:\s*\((\d+),\s*(\d+)\)`)

var rstCauses = map[int][2]string{
	0: {"undefined", "cause 0 (\"no mean\"): unclear; seen after many deep-sleep cycles"},
	1: {"power-on", "power was applied"},
	2: {"external reset", "the RST pin was pulsed: reset button, the monitor/flasher's DTR/RTS reset, or a deep-sleep wake through GPIO16->RST. Also repeated after ESP.restart() and crash restarts, which do not update the cause"},
	3: {"software reset", "a software reset of the chip, typically eboot giving up on a bad sketch image (after e:N)"},
	4: {"hardware watchdog", "the hardware watchdog bit: interrupts were off, or code ran without yielding, for several seconds"},
	5: {"deep-sleep timer", "woke from deep sleep by the timer"},
	6: {"deep-sleep power-on", "deep-sleep reset at power-on"},
}

func bootModeName(m int) (string, string, Severity) {
	switch {
	case m >= 4:
		return "sdio", "GPIO15 was high at reset: SDIO boot, which no D1 mini should do. The ROM waits for an SDIO host; check what pulls GPIO15 (D8) up", SevError
	case m&3 == 1:
		return "uart-download", "GPIO0 was held low at reset: UART download mode. The chip waits for a flasher and runs no sketch. Expected while flashing; otherwise release GPIO0 (D3 / the FLASH button) and reset", SevWarn
	case m&3 == 3:
		return "flash", "normal boot from flash", SevInfo
	default:
		return "invalid", "GPIO2 (D4) was low at reset: an invalid strapping; the chip will not run the sketch. Check what pulls GPIO2 down", SevError
	}
}

var (
	reLoad     = regexp.MustCompile(`^load 0x([0-9a-f]{8}), len (\d+), room (\d+)\s*$`)
	reHo       = regexp.MustCompile(`^ho (\d+) tail (\d+) room (\d+)$`)
	reEbootVer = regexp.MustCompile(`^v([0-9a-f]{8})$`)
	reEbootCmd = regexp.MustCompile(`^([~@])(?:cp:(-?\d+))?(ld)?$`)
)

// sumLine parses "chksum 0x2e" / "csum 0x2e" (reSum, without the regexp:
// these lines come several times per boot).
func sumLine(t string) []string {
	word, hex, ok := strings.Cut(t, " 0x")
	if !ok || (word != "chksum" && word != "csum") || len(hex) != 2 {
		return nil
	}
	if _, ok := hexWord(hex); !ok {
		return nil
	}
	return []string{t, word, hex}
}

func romLine(l *line, t string) (Event, bool) {
	if strings.Contains(t, "ets Jan") {
		m := reBanner.FindStringSubmatch(t)
		if m == nil {
			return Event{}, false
		}
		cause, _ := strconv.Atoi(m[1])
		mode, _ := strconv.Atoi(m[2])
		rc, ok := rstCauses[cause]
		if !ok {
			rc = [2]string{"unknown", "a cause the ROM documents nowhere"}
		}
		mname, mtext, sev := bootModeName(mode)
		if cause == 4 && sev < SevWarn {
			sev = SevWarn
		}
		summary := "boot ROM: reset by " + rc[0] + ", boot mode " + mname
		if mname == "uart-download" {
			summary = "boot ROM: GPIO0 held low, download mode: waiting for a flasher, the sketch does not run"
		}
		e := newEvent(l, KindROMBanner, sev, summary)
		e.set("rst_cause", m[1])
		e.set("rst_name", rc[0])
		e.set("boot_mode", m[2])
		e.set("boot_sub", m[3])
		e.set("boot_mode_name", mname)
		e.Detail = "rst cause " + m[1] + ": " + rc[1] + ".\nboot mode (" + m[2] + "," + m[3] + "): " + mtext + ". The second number is internal and not meaningful."
		if k := strings.Index(t, "ets Jan"); k > 0 && strings.TrimSpace(t[:k]) != "" {
			e.set("junk_before", strconv.Itoa(k))
		}
		if strings.Contains(t[strings.Index(t, "ets Jan"):], "ets_main.c") {
			// "ets_main.c" run into the banner line (a paste joined them).
			e.set("then", "ets-main")
			e.Severity = SevError
			e.Summary += ", then the ROM gave up (ets_main.c): no loadable image"
			e.Detail += "\n\"ets_main.c\" after the banner: the ROM found no valid image in flash and halts until the next reset. Flash the firmware again: `blynkbridge flash FILE`."
		}
		return e, true
	}
	ev := func(kind Kind, sev Severity, msg, summary string) (Event, bool) {
		e := newEvent(l, kind, sev, summary)
		e.set("msg", msg)
		return e, true
	}
	switch {
	case strings.HasPrefix(t, "load 0x"):
		if m := reLoad.FindStringSubmatch(t); m != nil {
			e, _ := ev(KindROMLine, SevDebug, "load", "boot ROM: loading a "+m[2]+"-byte segment to 0x"+m[1])
			e.set("addr", "0x"+m[1])
			e.set("len", m[2])
			e.set("room", m[3])
			return e, true
		}
	case strings.HasPrefix(t, "tail "):
		if _, err := strconv.Atoi(strings.TrimSpace(t[5:])); err == nil {
			return ev(KindROMLine, SevDebug, "tail", "boot ROM: "+strings.TrimSpace(t[5:])+" bytes of the segment in its last 16-byte chunk")
		}
	case strings.HasPrefix(t, "ho "):
		if reHo.MatchString(t) {
			return ev(KindROMLine, SevDebug, "ho", "boot ROM: next segment header straddles a 16-byte chunk")
		}
	case strings.HasPrefix(t, "chksum 0x"), strings.HasPrefix(t, "csum 0x"):
		if m := sumLine(t); m != nil {
			if m[1] == "csum" {
				e, _ := ev(KindROMLine, SevDebug, "csum", "boot ROM: image checksum 0x"+m[2]+" (equal to the last chksum = image read OK)")
				e.set("sum", "0x"+m[2])
				return e, true
			}
			e, _ := ev(KindROMLine, SevDebug, "chksum", "boot ROM: running checksum 0x"+m[2])
			e.set("sum", "0x"+m[2])
			return e, true
		}
	case strings.HasPrefix(t, "flash read err"):
		e, _ := ev(KindROMLine, SevError, "flash-read-err", "boot ROM: cannot read the boot image from flash")
		e.Detail = "The ROM found no valid image at flash address 0x0: erased or never-flashed flash, a bad flash chip, or wiring/power trouble. Flash the firmware again: `blynkbridge flash FILE`."
		return e, true
	case strings.TrimRight(t, " ") == "ets_main.c": // the ROM prints it with a trailing space
		e, _ := ev(KindROMLine, SevError, "ets-main", "boot ROM gave up (ets_main.c): the chip halts until the next reset")
		e.Detail = "Seen after rst cause 0, 3 or 5. Reflash the bootloader and sketch; if it follows deep sleep, check the GPIO16->RST wiring."
		return e, true
	case t == "wdt reset":
		e, _ := ev(KindROMLine, SevWarn, "wdt-reset", "boot ROM: the previous run ended in a hardware watchdog reset")
		e.Detail = "The hardware watchdog fires when the software watchdog could not run for several seconds: interrupts disabled too long, or an ISR / tight loop that never yields. Add yield()/delay(0) in long loops."
		return e, true
	case t == "waiting for host":
		e, _ := ev(KindROMLine, SevError, "waiting-for-host", "boot ROM: SDIO boot, waiting for a host (GPIO15 high at reset)")
		return e, true
	case t == "user code done":
		return ev(KindROMLine, SevInfo, "user-code-done", "boot ROM: the code it ran returned (after UART download, or the core rebooting into download mode)")
	case t == "unknown reset":
		return ev(KindROMLine, SevWarn, "unknown-reset", "boot ROM: reset cause unknown")
	case t == "ld":
		return ev(KindEboot, SevDebug, "ld", "eboot: loading the sketch image from flash 0x1000")
	}
	if len(t) != 9 || t[0] != 'v' {
		// not an eboot version line
	} else if m := reEbootVer.FindStringSubmatch(t); m != nil {
		e, _ := ev(KindEboot, SevDebug, "version", "eboot: word at flash 0x1010 = 0x"+m[1])
		if n, err := strconv.ParseUint(m[1], 16, 32); err == nil && n < 0x400000 {
			e.Detail = "On core 3.x this is the length of the uploaded sketch .bin: " + strconv.FormatUint(n, 10) + " bytes. Older cores print a version value here."
		}
		e.set("value", "0x"+m[1])
		return e, true
	}
	if t[0] != '~' && t[0] != '@' {
		// not an eboot command line
	} else if m := reEbootCmd.FindStringSubmatch(t); m != nil && t != "~" || t == "~" {
		if m == nil {
			m = []string{t, "~", "", ""}
		}
		summary := "eboot: no command pending, normal boot"
		if m[1] == "@" {
			summary = "eboot: a command is pending (OTA image copy)"
		}
		e, _ := ev(KindEboot, SevDebug, "command", summary)
		if m[2] != "" {
			if m[2] == "0" {
				e.Summary += "; copied the new image OK"
			} else {
				e.Summary += "; copying the new image FAILED (cp:" + m[2] + ")"
				e.Severity = SevError
			}
		}
		if m[3] != "" {
			e.Summary += "; loading the sketch"
		}
		return e, true
	}
	if strings.HasPrefix(t, "e:") {
		if n, err := strconv.Atoi(t[2:]); err == nil {
			what := map[int]string{1: "reading the image header", 2: "reading a segment header", 3: "reading segment data"}[n]
			if what == "" {
				what = "an unknown step"
			}
			e, _ := ev(KindEboot, SevError, "load-error", "eboot: loading the sketch failed while "+what+" (e:"+t[2:]+")")
			e.Detail = "eboot forces a software reset next (the banner will show rst cause 3). The sketch image at 0x1000 is damaged or missing: flash it again with `blynkbridge flash FILE`."
			return e, true
		}
	}
	return Event{}, false
}
