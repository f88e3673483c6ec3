package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/blynkbridge/blynkbridge/internal/bberr"
)

// The scripts ask the binary itself for commands and flags (urfave/cli's
// hidden --generate-bash-completion flag, so they never go stale), and
// complete values the binary cannot know cheaply in the shell: profile
// names (blynkbridge profile list -q), serial ports (globs of /dev) and
// file paths.

const bashCompletion = `# bash completion for blynkbridge. Load with:
#   source <(blynkbridge completion bash)
# or install to /usr/share/bash-completion/completions/blynkbridge
_blynkbridge_ports() {
  local p
  for p in /dev/ttyUSB* /dev/ttyACM* /dev/serial/by-id/* /dev/blynkbridge-* /dev/cu.usbserial* /dev/cu.wchusbserial* /dev/cu.SLAB_USBtoUART*; do
    [ -e "$p" ] && printf '%s\n' "$p"
  done
}
_blynkbridge() {
  local cur prev opts
  COMPREPLY=()
  cur="${COMP_WORDS[COMP_CWORD]}"
  prev="${COMP_WORDS[COMP_CWORD-1]}"
  case "$prev" in
    --profile)
      COMPREPLY=( $(compgen -W "$("${COMP_WORDS[0]}" profile list -q 2>/dev/null)" -- "$cur") ); return 0 ;;
    -p|--port)
      COMPREPLY=( $(compgen -W "$(_blynkbridge_ports)" -- "$cur") ); return 0 ;;
    --config|--elf|--image|--ca|--token-file|--flash-file|-o|--output)
      COMPREPLY=( $(compgen -f -- "$cur") ); return 0 ;;
  esac
  if [[ "$cur" == -* ]]; then
    opts=$("${COMP_WORDS[@]:0:$COMP_CWORD}" "$cur" --generate-bash-completion 2>/dev/null)
  else
    opts=$("${COMP_WORDS[@]:0:$COMP_CWORD}" --generate-bash-completion 2>/dev/null)
  fi
  COMPREPLY=( $(compgen -W "$opts" -- "$cur") )
  return 0
}
complete -o bashdefault -o default -F _blynkbridge blynkbridge
`

const zshCompletion = `#compdef blynkbridge
# zsh completion for blynkbridge. Load with:
#   source <(blynkbridge completion zsh)
# or save as _blynkbridge in a directory on $fpath.
_blynkbridge() {
  local cur=${words[CURRENT]} prev=${words[CURRENT-1]}
  local -a opts
  case $prev in
    --profile)
      opts=(${(f)"$(${words[1]} profile list -q 2>/dev/null)"}); compadd -a opts; return ;;
    -p|--port)
      opts=(/dev/ttyUSB*(N) /dev/ttyACM*(N) /dev/serial/by-id/*(N) /dev/blynkbridge-*(N) /dev/cu.usbserial*(N) /dev/cu.wchusbserial*(N)); compadd -a opts; return ;;
    --config|--elf|--image|--ca|--token-file|--flash-file|-o|--output)
      _files; return ;;
  esac
  if [[ $cur == -* ]]; then
    opts=(${(f)"$(_CLI_ZSH_AUTOCOMPLETE_HACK=1 ${words[@]:0:CURRENT-1} $cur --generate-bash-completion 2>/dev/null)"})
  else
    opts=(${(f)"$(_CLI_ZSH_AUTOCOMPLETE_HACK=1 ${words[@]:0:CURRENT-1} --generate-bash-completion 2>/dev/null)"})
  fi
  if [[ ${#opts} -gt 0 ]]; then
    _describe 'values' opts
  else
    _files
  fi
}
if [[ $zsh_eval_context[-1] == loadautofunc ]]; then
  _blynkbridge "$@"
else
  compdef _blynkbridge blynkbridge
fi
`

const fishCompletion = `# fish completion for blynkbridge. Load with:
#   blynkbridge completion fish | source
# or save to ~/.config/fish/completions/blynkbridge.fish
function __blynkbridge_complete
    set -l tokens (commandline -opc)
    set -l cur (commandline -ct)
    switch $tokens[-1]
        case --profile
            command $tokens[1] profile list -q 2>/dev/null
            return
        case -p --port
            for p in /dev/ttyUSB* /dev/ttyACM* /dev/serial/by-id/* /dev/blynkbridge-* /dev/cu.usbserial* /dev/cu.wchusbserial*
                test -e $p; and echo $p
            end
            return
        case --config --elf --image --ca --token-file --flash-file -o --output
            __fish_complete_path $cur
            return
    end
    if string match -q -- '-*' $cur
        command $tokens[1] $tokens[2..-1] $cur --generate-bash-completion 2>/dev/null
    else
        command $tokens[1] $tokens[2..-1] --generate-bash-completion 2>/dev/null
    end
end
complete -c blynkbridge -f -a '(__blynkbridge_complete)'
`

func init() {
	register(&cli.Command{
		Name:      "completion",
		Usage:     "print a shell completion script (bash, zsh or fish)",
		ArgsUsage: "bash|zsh|fish",
		Description: "bash:  source <(blynkbridge completion bash)\n" +
			"zsh:   source <(blynkbridge completion zsh)\n" +
			"fish:  blynkbridge completion fish | source\n" +
			"Completes commands, flags, profile names (--profile) and serial ports (-p/--port).",
		BashComplete: func(c *cli.Context) {
			for _, s := range []string{"bash", "zsh", "fish"} {
				fmt.Fprintln(c.App.Writer, s)
			}
		},
		Action: func(c *cli.Context) error {
			scripts := map[string]string{"bash": bashCompletion, "zsh": zshCompletion, "fish": fishCompletion}
			s, ok := scripts[c.Args().First()]
			if !ok || c.NArg() != 1 {
				return bberr.New(bberr.Usage, "usage: blynkbridge completion bash|zsh|fish", "expected one shell name: bash, zsh or fish")
			}
			_, err := fmt.Fprint(c.App.Writer, s)
			return err
		},
	})
}
