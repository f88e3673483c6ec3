// Package shellcomp owns the shell completion scripts (bash, zsh, fish,
// PowerShell). Each asks the binary for commands and flags (urfave/cli's
// hidden --generate-bash-completion, so they never go stale) and completes
// what the binary cannot know cheaply: profile names, serial ports, paths.
//
// The one rule every script keeps: completing never runs a command. After
// a bare "--" on the line the scripts complete file names without calling
// the binary, and the binary itself refuses a completion request that holds
// "--" (internal/cliargs), so an older script cannot make `flash -- <Tab>`
// flash either.
package shellcomp
