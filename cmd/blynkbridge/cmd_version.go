package main

import (
	"encoding/json"
	"fmt"
	"runtime"

	"github.com/urfave/cli/v2"
)

func init() {
	register(&cli.Command{
		Name:  "version",
		Usage: "print version, commit and Go version",
		Flags: []cli.Flag{&cli.BoolFlag{Name: "json", Usage: `print {"v": 1, "version": ..., "commit": ..., "go": ..., "os": ..., "arch": ...}`}},
		Action: func(c *cli.Context) error {
			if c.Bool("json") {
				enc := json.NewEncoder(c.App.Writer)
				enc.SetIndent("", "  ")
				return enc.Encode(struct {
					V       int    `json:"v"`
					Version string `json:"version"`
					Commit  string `json:"commit"`
					Go      string `json:"go"`
					OS      string `json:"os"`
					Arch    string `json:"arch"`
				}{1, version, commit, runtime.Version(), runtime.GOOS, runtime.GOARCH})
			}
			fmt.Fprintf(c.App.Writer, "blynkbridge %s (commit %s, %s, %s/%s)\n", version, commit, runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return nil
		},
	})
}
