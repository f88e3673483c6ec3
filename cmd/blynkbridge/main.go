// Command blynkbridge is the CLI: it turns flags into library calls, maps
// typed errors to exit codes, and turns SIGINT/SIGTERM into a cancelled
// context. No business logic lives here.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"sort"

	"github.com/urfave/cli/v2"

	"github.com/blynkbridge/blynkbridge/internal/bberr"
	"github.com/blynkbridge/blynkbridge/internal/cliargs"
	"github.com/blynkbridge/blynkbridge/internal/clilog"
)

// Set by the linker in release builds (-X main.version=...).
var (
	version = "dev"
	commit  = "none"
)

// commands is filled by init functions in the cmd_*.go files, one file per
// command, so commands can be added without touching this file.
var commands []*cli.Command

func register(c *cli.Command) { commands = append(commands, c) }

func newApp(stdout, stderr io.Writer) *cli.App {
	sort.Slice(commands, func(i, j int) bool { return commands[i].Name < commands[j].Name })
	// -v is --verbose here (as in esptool); --version has no short form.
	cli.VersionFlag = &cli.BoolFlag{Name: "version", Usage: "print the version"}
	app := &cli.App{
		Name:                 "blynkbridge",
		Usage:                "flash, monitor, relay and diagnose Blynk boards (ESP8266 and USB-only)",
		Version:              version,
		Writer:               stdout,
		ErrWriter:            stderr,
		EnableBashCompletion: true,
		Flags: append([]cli.Flag{
			&cli.BoolFlag{Name: "verbose", Aliases: []string{"v"}, Usage: "log debug details to stderr"},
		}, profileFlags()...),
		Commands: commands,
		Before: func(c *cli.Context) error {
			// Internal log lines only with -v; warnings as plain lines.
			slog.SetDefault(clilog.New(stderr, c.Bool("verbose")))
			return nil
		},
		// Never let urfave/cli call os.Exit: main owns the exit code.
		ExitErrHandler: func(*cli.Context, error) {},
	}
	app.OnUsageError = func(_ *cli.Context, err error, _ bool) error {
		return cliargs.UnknownFlagError(err, app.Flags)
	}
	for _, c := range app.Commands {
		setUsageErrors(c, app.Flags)
	}
	// --profile/--config on every command; unset flags filled from the
	// environment, then the profile (cmd_profile.go).
	wireProfiles(app.Commands)
	// Then every set flag against internal/valid's table (validate.go).
	wireValidation(app.Commands)
	return app
}

// setUsageErrors makes every bad flag a usage error (exit 2) whose hint
// names the closest flag of that command.
func setUsageErrors(c *cli.Command, global []cli.Flag) {
	if c.OnUsageError == nil {
		c.OnUsageError = func(_ *cli.Context, err error, _ bool) error {
			return cliargs.UnknownFlagError(err, append(append([]cli.Flag{}, c.Flags...), global...))
		}
	}
	for _, sub := range c.Subcommands {
		setUsageErrors(sub, global)
	}
}

// run is main without os.Exit, for tests.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) bberr.Code {
	app := newApp(stdout, stderr)
	app.Metadata = map[string]any{cmdLineKey: args}
	args, err := cliargs.Normalize(app, args)
	if errors.Is(err, cliargs.ErrNothingToComplete) {
		return bberr.OK
	}
	if err == nil {
		err = app.RunContext(ctx, args)
	}
	if err == nil {
		return bberr.OK
	}
	code := bberr.CodeOf(err)
	if ctx.Err() != nil && (errors.Is(err, context.Canceled) || code == bberr.Failure) {
		code = bberr.Interrupted
	}
	var ex cli.ExitCoder
	if errors.As(err, &ex) && code == bberr.Failure {
		code = bberr.Code(ex.ExitCode())
	}
	var be *bberr.Error
	if code == bberr.Interrupted && !(errors.As(err, &be) && be.Code == bberr.Interrupted) {
		// A plain cancellation has nothing more to say; an error made for
		// the interruption (a flash write's ranges and resume command)
		// is printed in full below.
		fmt.Fprintln(stderr, "blynkbridge: interrupted")
		return code
	}
	fmt.Fprintf(stderr, "error: %s\n", err)
	if h := bberr.HintOf(err); h != "" {
		fmt.Fprintf(stderr, "hint: %s\n", h)
	}
	return code
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), stopSignals...)
	code := run(ctx, os.Args, os.Stdout, os.Stderr)
	stop()
	os.Exit(int(code))
}
