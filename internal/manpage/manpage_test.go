package manpage

import (
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
)

func TestRenderSectionsAndEscaping(t *testing.T) {
	app := &cli.App{
		Usage: "a tool",
		Flags: []cli.Flag{&cli.BoolFlag{Name: "verbose", Aliases: []string{"v"}, Usage: "more"}},
		Commands: []*cli.Command{
			{Name: "flash", ArgsUsage: "FILE", Usage: ".starts with a dot and has a \\ backslash",
				Flags: []cli.Flag{&cli.StringFlag{Name: "port", Aliases: []string{"p"}, Value: "auto", Usage: "serial `PORT`"}}},
			{Name: "cert", Subcommands: []*cli.Command{{Name: "check", Usage: "check \"quoted\""}}},
			{Name: "secret", Hidden: true},
		},
	}
	page := Render(app, "1.2.3")
	for _, s := range Sections {
		if !strings.Contains(page, ".SH "+s+"\n") && !strings.Contains(page, ".SH \""+s+"\"\n") {
			t.Errorf("no %s", s)
		}
	}
	for _, want := range []string{
		`.SS "flash FILE"`, `\&.starts with a dot and has a \e backslash`, // no request, no escape eaten
		`\fB\-\-port\fR, \fB\-p\fR \fIPORT\fR`, `(default \(dqauto\(dq)`,
		`.SS "cert check"`, `check \(dqquoted\(dq`,
		"blynkbridge 1.2.3", ".nh",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(page, "secret") {
		t.Error("hidden command listed")
	}
}
