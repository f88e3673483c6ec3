package main

import (
	"encoding/json"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/blynkbridge/blynkbridge/internal/bberr"
)

func init() {
	register(&cli.Command{
		Name:  "exit-codes",
		Usage: "list the exit codes and what each means",
		Flags: []cli.Flag{&cli.BoolFlag{Name: "json", Usage: `print {"v": 1, "codes": [{"code", "name", "meaning"}, ...]}`}},
		Action: func(c *cli.Context) error {
			if c.Bool("json") {
				type code struct {
					Code    bberr.Code `json:"code"`
					Name    string     `json:"name"`
					Meaning string     `json:"meaning"`
				}
				out := struct {
					V     int    `json:"v"`
					Codes []code `json:"codes"`
				}{V: 1}
				for _, e := range bberr.Table {
					out.Codes = append(out.Codes, code{e.Code, e.Name, e.Meaning})
				}
				enc := json.NewEncoder(c.App.Writer)
				enc.SetIndent("", "  ")
				return enc.Encode(out)
			}
			for _, e := range bberr.Table {
				fmt.Fprintf(c.App.Writer, "%3d  %-15s %s\n", e.Code, e.Name, e.Meaning)
			}
			return nil
		},
	})
}
