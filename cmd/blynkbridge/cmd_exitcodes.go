package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/blynkbridge/blynkbridge/internal/bberr"
)

func init() {
	register(&cli.Command{
		Name:  "exit-codes",
		Usage: "list the exit codes and what each means",
		Action: func(c *cli.Context) error {
			for _, e := range bberr.Table {
				fmt.Fprintf(c.App.Writer, "%3d  %-15s %s\n", e.Code, e.Name, e.Meaning)
			}
			return nil
		},
	})
}
