package main

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"time"

	"github.com/blynkbridge/blynkbridge/blynk"
	"github.com/blynkbridge/blynkbridge/sim"
	"github.com/blynkbridge/blynkbridge/sim/blynkfw"
)

// pinger is a board whose sketch measures board-initiated round trips: on
// each request it sends a PING and times the server's RESPONSE as the board
// sees it (board -> pty -> carrier -> server -> carrier -> pty -> board),
// the direction a sketch's heartbeat and Blynk.connected() depend on.
type pinger struct {
	kind string
	req  chan uint16
	got  chan time.Duration
	rtts []time.Duration
	st   *setup
}

func pingerFirmware(p *pinger) sim.Firmware {
	return sim.FirmwareFunc(func(ctx context.Context, dev sim.Device) error {
		dev.Begin(*baud)
		dec := blynk.NewDecoder(blynk.DecoderOptions{})
		buf := make([]byte, 512)
		await := func(id uint16) error {
			for {
				n, err := dev.Read(buf)
				if err != nil {
					return err
				}
				for _, it := range dec.Feed(buf[:n]) {
					if !it.IsSkip() && it.Frame.Cmd == blynk.CmdResponse && it.Frame.ID == id {
						return nil
					}
				}
			}
		}
		if _, err := dev.Write(blynk.Login(blynk.CmdHWLogin, blynk.NewToken(token)).Marshal()); err != nil {
			return err
		}
		if err := await(1); err != nil {
			return err
		}
		info := blynk.NewFrame(blynk.CmdInternal, 2, blynk.KVBody([]blynk.KV{{Key: "ver", Value: "0.4.10"}, {Key: "h-beat", Value: "10"}, {Key: "buff-in", Value: "256"}, {Key: "dev", Value: "Arduino Uno"}}, true))
		if _, err := dev.Write(info.Marshal()); err != nil {
			return err
		}
		for {
			select {
			case <-ctx.Done():
				return nil
			case id := <-p.req:
				t0 := time.Now()
				if _, err := dev.Write(blynk.Ping(id).Marshal()); err != nil {
					return err
				}
				if err := await(id); err != nil {
					return err
				}
				p.got <- time.Since(t0)
			}
		}
	})
}

// preparePinger starts a server, a pinger board and the carrier.
func (l *lab) preparePinger(kind string) (*pinger, error) {
	p := &pinger{kind: kind, req: make(chan uint16), got: make(chan time.Duration)}
	st := &setup{kind: kind, arr: newArrivals()}
	p.st = st
	var err error
	if st.srv, err = l.server(st.arr.record); err != nil {
		return p, err
	}
	b, err := sim.New(sim.Options{Timing: *timing, PowerOff: true, Firmware: func([]byte) sim.Firmware { return pingerFirmware(p) }, Flash: blynkfw.BootImage()})
	if err != nil {
		return p, err
	}
	st.board = b
	link := filepath.Join(l.dir, "pinger-"+kind)
	if _, err := b.AttachPTY(link); err != nil {
		return p, err
	}
	if kind == "direct" {
		b.PowerOn()
	}
	if st.c, err = l.start(kind, []string{link}, st.srv.Addr()); err != nil {
		return p, err
	}
	if kind != "direct" {
		time.Sleep(300 * time.Millisecond)
		b.PowerOn()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if r, err := st.srv.WaitLogin(ctx); err != nil || r.Detail != "ok" {
		return p, fmt.Errorf("pinger login through %s: %v %v", kind, r.Detail, err)
	}
	time.Sleep(100 * time.Millisecond)
	return p, nil
}

func (p *pinger) roundTrip(id uint16) (time.Duration, error) {
	select {
	case p.req <- id:
	case <-time.After(5 * time.Second):
		return 0, fmt.Errorf("%s pinger: board not ready", p.kind)
	}
	select {
	case d := <-p.got:
		return d, nil
	case <-time.After(5 * time.Second):
		return 0, fmt.Errorf("%s pinger: no answer to PING %d", p.kind, id)
	}
}

// boardInitiated interleaves board PING round trips over the carriers.
func (l *lab) boardInitiated(kinds []string, n int) ([]*pinger, error) {
	var ps []*pinger
	defer func() {
		for _, p := range ps {
			p.st.close()
		}
	}()
	for _, k := range kinds {
		p, err := l.preparePinger(k)
		ps = append(ps, p)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
	}
	for i := 0; i < n+50; i++ {
		for _, p := range ps {
			d, err := p.roundTrip(uint16(100 + i))
			if err != nil {
				return nil, err
			}
			if i >= 50 {
				p.rtts = append(p.rtts, d)
			}
		}
	}
	out := ps
	ps = nil
	for _, p := range out {
		p.st.close()
		slices.Sort(p.rtts)
	}
	return out, nil
}
