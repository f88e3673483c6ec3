package shellcomp

import (
	"fmt"
	"sort"
	"strings"
)

// Shells lists the shells Script knows, sorted.
func Shells() []string {
	out := make([]string, 0, len(scripts))
	for k := range scripts {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Script returns the completion script for shell.
func Script(shell string) (string, error) {
	s, ok := scripts[shell]
	if !ok {
		return "", fmt.Errorf("no completion for %q", shell)
	}
	return s, nil
}

// Install says where a package or a user puts each script.
var Install = map[string]string{
	"bash":       "source <(blynkbridge completion bash), or /usr/share/bash-completion/completions/blynkbridge",
	"zsh":        "source <(blynkbridge completion zsh) (with or without compinit), or _blynkbridge in a directory on $fpath",
	"fish":       "blynkbridge completion fish | source, or ~/.config/fish/completions/blynkbridge.fish",
	"powershell": "blynkbridge completion powershell | Out-String | Invoke-Expression (add it to $PROFILE)",
}

var scripts = map[string]string{"bash": bash, "zsh": zsh, "fish": fish, "powershell": powershell}

// Value completions shared by the scripts (kept in step by a test).
const (
	portGlobs = "/dev/ttyUSB* /dev/ttyACM* /dev/serial/by-id/* /dev/blynkbridge-* /dev/cu.usbserial* /dev/cu.wchusbserial* /dev/cu.SLAB_USBtoUART*"
	fileFlags = "--config --elf --image --ca --token-file --flash-file --log --base --trace --wifi-pass-file -o --output"
)

var bash = `# bash completion for blynkbridge. Load with:
#   source <(blynkbridge completion bash)
# or install to /usr/share/bash-completion/completions/blynkbridge
# Completing never runs a command: after a bare -- only file names.
_blynkbridge_ports() {
  local p
  for p in ` + portGlobs + `; do
    [ -e "$p" ] && printf '%s\n' "$p"
  done
}
_blynkbridge() {
  local cur prev opts i query
  COMPREPLY=()
  cur="${COMP_WORDS[COMP_CWORD]}"
  prev="${COMP_WORDS[COMP_CWORD-1]}"
  for ((i = 1; i < COMP_CWORD; i++)); do
    if [[ "${COMP_WORDS[i]}" == -- ]]; then
      COMPREPLY=( $(compgen -f -- "$cur") ); return 0
    fi
  done
  case "$prev" in
    --profile)
      COMPREPLY=( $(compgen -W "$("${COMP_WORDS[0]}" profile list -q 2>/dev/null)" -- "$cur") ); return 0 ;;
    -p|--port)
      COMPREPLY=( $(compgen -W "$(_blynkbridge_ports)" -- "$cur") ); return 0 ;;
    ` + strings.ReplaceAll(fileFlags, " ", "|") + `)
      COMPREPLY=( $(compgen -f -- "$cur") ); return 0 ;;
  esac
  if [[ "$cur" == -* ]]; then
    query="$cur"
    [[ "$query" == -- ]] && query=-   # a bare -- would end the flags
    opts=$("${COMP_WORDS[@]:0:$COMP_CWORD}" "$query" --generate-bash-completion 2>/dev/null)
  else
    opts=$("${COMP_WORDS[@]:0:$COMP_CWORD}" --generate-bash-completion 2>/dev/null)
  fi
  COMPREPLY=( $(compgen -W "$opts" -- "$cur") )
  return 0
}
complete -o bashdefault -o default -F _blynkbridge blynkbridge
`

var zsh = `#compdef blynkbridge
# zsh completion for blynkbridge. Load with:
#   source <(blynkbridge completion zsh)      (compinit is loaded if it is not)
# or save as _blynkbridge in a directory on $fpath.
# Completing never runs a command: after a bare -- only file names.
_blynkbridge() {
  local cur=${words[CURRENT]} prev=${words[CURRENT-1]} query i
  local -a opts before
  before=(${words[2,CURRENT-1]})
  for i in $before; do
    if [[ $i == -- ]]; then
      _files; return
    fi
  done
  case $prev in
    --profile)
      opts=(${(f)"$(${words[1]} profile list -q 2>/dev/null)"}); compadd -a opts; return ;;
    -p|--port)
      opts=(` + "/dev/ttyUSB*(N) /dev/ttyACM*(N) /dev/serial/by-id/*(N) /dev/blynkbridge-*(N) /dev/cu.usbserial*(N) /dev/cu.wchusbserial*(N) /dev/cu.SLAB_USBtoUART*(N)" + `); compadd -a opts; return ;;
    ` + strings.ReplaceAll(fileFlags, " ", "|") + `)
      _files; return ;;
  esac
  if [[ $cur == -* ]]; then
    query=$cur
    [[ $query == -- ]] && query=-   # a bare -- would end the flags
    opts=(${(f)"$(_CLI_ZSH_AUTOCOMPLETE_HACK=1 ${words[1]} $before $query --generate-bash-completion 2>/dev/null)"})
  else
    opts=(${(f)"$(_CLI_ZSH_AUTOCOMPLETE_HACK=1 ${words[1]} $before --generate-bash-completion 2>/dev/null)"})
  fi
  if (( ${#opts} > 0 )); then
    _describe 'values' opts
  else
    _files
  fi
}
if [[ $zsh_eval_context[-1] == loadautofunc ]]; then
  _blynkbridge "$@"
else
  # Sourced: register with compsys, loading it first if the user has not.
  if (( ! $+functions[compdef] )); then
    autoload -Uz compinit && compinit -i
  fi
  compdef _blynkbridge blynkbridge
fi
`

var fish = `# fish completion for blynkbridge. Load with:
#   blynkbridge completion fish | source
# or save to ~/.config/fish/completions/blynkbridge.fish
# Completing never runs a command: after a bare -- only file names.
function __blynkbridge_complete
    set -l tokens (commandline -opc)
    set -l cur (commandline -ct)
    if contains -- -- $tokens[2..-1]
        __fish_complete_path $cur
        return
    end
    switch $tokens[-1]
        case --profile
            command $tokens[1] profile list -q 2>/dev/null
            return
        case -p --port
            for p in ` + portGlobs + `
                test -e $p; and echo $p
            end
            return
        case ` + fileFlags + `
            __fish_complete_path $cur
            return
    end
    if string match -q -- '-*' $cur
        set -l query $cur
        test "$query" = --; and set query -
        command $tokens[1] $tokens[2..-1] $query --generate-bash-completion 2>/dev/null
    else
        command $tokens[1] $tokens[2..-1] --generate-bash-completion 2>/dev/null
    end
end
complete -c blynkbridge -f -a '(__blynkbridge_complete)'
`

var powershell = `# PowerShell completion for blynkbridge. Load with:
#   blynkbridge completion powershell | Out-String | Invoke-Expression
# (add that line to $PROFILE to keep it).
# Completing never runs a command: after a bare -- only file names.
Register-ArgumentCompleter -Native -CommandName blynkbridge, blynkbridge.exe -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)
    $words = @($commandAst.CommandElements | Where-Object { $_.Extent.EndOffset -le $cursorPosition } | ForEach-Object { $_.ToString() })
    $exe = $words[0]
    $before = @()
    if ($words.Count -gt 1) { $before = $words[1..($words.Count - 1)] }
    if ($wordToComplete -ne '' -and $before.Count -gt 0 -and $before[-1] -eq $wordToComplete) {
        if ($before.Count -gt 1) { $before = $before[0..($before.Count - 2)] } else { $before = @() }
    }
    if ($before -contains '--') { return }   # PowerShell then completes paths
    $prev = if ($before.Count -gt 0) { $before[-1] } else { '' }
    if ($prev -eq '--profile') {
        $opts = & $exe profile list -q 2>$null
    } elseif ($prev -in @('-p', '--port')) {
        $opts = @(Get-ChildItem -Path '/dev/ttyUSB*', '/dev/ttyACM*', '/dev/serial/by-id/*' -ErrorAction SilentlyContinue | ForEach-Object { $_.FullName })
        if ($IsWindows -or $env:OS -eq 'Windows_NT') { $opts += [System.IO.Ports.SerialPort]::GetPortNames() }
    } elseif ($prev -in @(` + psList(fileFlags) + `)) {
        return
    } elseif ($wordToComplete -like '-*') {
        $query = if ($wordToComplete -eq '--') { '-' } else { $wordToComplete }
        $opts = & $exe @before $query --generate-bash-completion 2>$null
    } else {
        $opts = & $exe @before --generate-bash-completion 2>$null
    }
    $opts | Where-Object { $_ -like "$wordToComplete*" } | ForEach-Object {
        [System.Management.Automation.CompletionResult]::new($_, $_, 'ParameterValue', $_)
    }
}
`
