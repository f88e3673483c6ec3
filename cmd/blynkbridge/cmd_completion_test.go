package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/blynkbridge/blynkbridge/internal/shellcomp"
)

// The completion scripts, each driven by its real shell against the real
// binary. A wrapper named blynkbridge logs every call the script makes, so
// a test sees whether completing ever ran a command instead of asking for
// completions (issue 19: `demo --` + Tab started the demo).

// compEnv is a built binary behind a logging wrapper.
type compEnv struct {
	dir string // on PATH: holds the wrapper "blynkbridge"
	log string // one line per call: its arguments
}

var builtBinary string

func newCompEnv(t *testing.T) *compEnv {
	t.Helper()
	if builtBinary == "" || func() bool { _, err := os.Stat(builtBinary); return err != nil }() {
		dir, err := os.MkdirTemp("", "bbcomp")
		if err != nil {
			t.Fatal(err)
		}
		builtBinary = filepath.Join(dir, "blynkbridge-real")
		cmd := exec.Command("go", "build", "-o", builtBinary, ".")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build: %v\n%s", err, out)
		}
	}
	e := &compEnv{dir: t.TempDir()}
	e.log = filepath.Join(e.dir, "calls.log")
	wrapper := "#!/bin/sh\nprintf '%s\\n' \"$*\" >> '" + e.log + "'\nexec '" + builtBinary + "' \"$@\"\n"
	if err := os.WriteFile(filepath.Join(e.dir, "blynkbridge"), []byte(wrapper), 0o755); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *compEnv) env(extra ...string) []string {
	return append(append(os.Environ(), "PATH="+e.dir+string(os.PathListSeparator)+os.Getenv("PATH"), "HOME="+e.dir, "XDG_CONFIG_HOME="+e.dir), extra...)
}

// assertNothingRan fails if the script called the binary for anything but
// a completion request or the profile-name list, or with a bare "--".
func (e *compEnv) assertNothingRan(t *testing.T, shell string) {
	t.Helper()
	b, _ := os.ReadFile(e.log)
	for _, call := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		f := strings.Fields(call)
		switch {
		case len(f) == 0:
		case f[len(f)-1] == "--generate-bash-completion":
			for _, a := range f {
				if a == "--" {
					t.Errorf("%s: asked for completions after a bare --: %q", shell, call)
				}
			}
		case call == "profile list -q" || strings.HasPrefix(call, "completion "):
		default:
			t.Errorf("%s: completing ran a command: blynkbridge %s", shell, call)
		}
	}
}

// The case every shell must get right: Tab after a bare "--" on a command
// line that would write a profile if it ran.
func dashDashLine(t *testing.T) (words []string, cfg string) {
	cfg = filepath.Join(t.TempDir(), "p.toml")
	return []string{"blynkbridge", "profile", "add", "x", "--config", cfg, "--port", "/dev/x", "--"}, cfg
}

func assertNoFile(t *testing.T, shell, path string) {
	t.Helper()
	if _, err := os.Stat(path); err == nil {
		t.Errorf("%s: completing after -- ran the command (%s was written)", shell, path)
	}
}

// bashComplete sources the bash script in a fresh bash and returns what
// completing the last of words gives (COMP_WORDS/COMP_CWORD as bash's
// programmable completion sets them).
func bashComplete(t *testing.T, e *compEnv, env string, words ...string) []string {
	t.Helper()
	script := `source <(blynkbridge completion bash) || exit 9
COMP_WORDS=(` + strings.Join(words, " ") + `)
COMP_CWORD=` + strconv.Itoa(len(words)-1) + `
_blynkbridge
printf '%s\n' "${COMPREPLY[@]}"
`
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "--norc", "--noprofile", "-c", script)
	cmd.Env = e.env(env)
	cmd.Dir = t.TempDir()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("bash %q: %v\n%s", words, err, out)
	}
	return strings.Fields(string(out))
}

func TestBashCompletion(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash is not installed")
	}
	e := newCompEnv(t)
	for _, c := range []struct {
		words []string
		want  string
	}{
		{[]string{"blynkbridge", "vers"}, "version"},
		{[]string{"blynkbridge", "profile", "li"}, "list"},
		{[]string{"blynkbridge", "profile", "list", "--js"}, "--json"},
		{[]string{"blynkbridge", "completion", "p"}, "powershell"},
	} {
		if got := bashComplete(t, e, "", c.words...); strings.Join(got, " ") != c.want {
			t.Errorf("%q -> %q, want %q", c.words, got, c.want)
		}
	}
	// demo --<Tab>: the flags, not the demo.
	if got := bashComplete(t, e, "", "blynkbridge", "demo", "--"); !strings.Contains(strings.Join(got, " "), "--plain") {
		t.Errorf("demo -- -> %q", got)
	}
	words, cfg := dashDashLine(t)
	bashComplete(t, e, "", append(words, "''")...)
	assertNoFile(t, "bash", cfg)
	bashComplete(t, e, "", "blynkbridge", "sim", "--", "''") // would never return if it ran
	// Profile names after --profile, from the profiles file.
	pcfg := writeTemp(t, "p.toml", []byte("[profiles.desk]\nport = \"/dev/x\"\n[profiles.lab]\nport = \"/dev/y\"\n"))
	if got := bashComplete(t, e, "BLYNKBRIDGE_CONFIG="+pcfg, "blynkbridge", "monitor", "--profile", "''"); strings.Join(got, " ") != "desk lab" {
		t.Errorf("--profile -> %q", got)
	}
	if got := bashComplete(t, e, "BLYNKBRIDGE_CONFIG="+pcfg, "blynkbridge", "profile", "show", "''"); !strings.Contains(strings.Join(got, " "), "desk lab") {
		t.Errorf("profile show -> %q", got)
	}
	e.assertNothingRan(t, "bash")
}

// zshComplete drives an interactive zsh on a pseudo-terminal (zsh/zpty):
// it types line and presses Tab. zsh drops keys typed while a completion
// runs, so the driver then presses Ctrl-X r - a widget that appends the
// edited line to a file and clears it, never running it - until the file
// has a line. It returns that line ("GOT:" + the completed buffer) and
// everything zsh printed (candidate lists, errors). mode is how the user
// loads the script: "compinit" (compsys loaded, then source), "source"
// (no compinit before), "fpath" (_blynkbridge in a directory on $fpath, as
// the .deb installs it, then compinit).
func zshComplete(t *testing.T, e *compEnv, mode string, line string) string {
	t.Helper()
	report := filepath.Join(t.TempDir(), "buffer")
	setup := `PS1="P> "; unsetopt zle_bracketed_paste 2>/dev/null; `
	switch mode {
	case "compinit":
		setup += `autoload -Uz compinit; compinit -i; source <(blynkbridge completion zsh); `
	case "source":
		setup += `source <(blynkbridge completion zsh); `
	case "fpath":
		dir := t.TempDir()
		script, _ := shellcomp.Script("zsh")
		if err := os.WriteFile(filepath.Join(dir, "_blynkbridge"), []byte(script), 0o644); err != nil {
			t.Fatal(err)
		}
		setup += `fpath=(` + zshQuote(dir) + ` $fpath); autoload -Uz compinit; compinit -i -d ` + zshQuote(filepath.Join(dir, ".zcompdump")) + `; `
	}
	setup +=
		`_report() { print -r -- "GOT:$BUFFER" >> ` + zshQuote(report) + `; BUFFER=; }; zle -N _report; bindkey '^Xr' _report; echo READY`
	driver := `zmodload zsh/zpty
zpty z "TERM=dumb zsh -f -i"
zpty -w z ` + zshQuote(setup) + `
zpty -r -m z out '*READY*READY*'
zpty -n -w z ` + zshQuote(line) + `$'\t'
for i in {1..40}; do
  sleep 0.25
  [[ -s ` + zshQuote(report) + ` ]] && break
  zpty -n -w z $'\C-xr'
done
zpty -n -w z $'print END\n'
zpty -r -m z out '*END*END*'
print -r -- "$out"
zpty -d z
`
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "zsh", "-f", "-c", driver)
	cmd.Env = e.env()
	cmd.Dir = t.TempDir()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("zsh driving %q: %v\n%s", line, err, out)
	}
	got, _ := os.ReadFile(report)
	first, _, _ := strings.Cut(string(got), "\n")
	return first + "\n" + strings.ReplaceAll(string(out), "\r", "")
}

func zshQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

func TestZshCompletion(t *testing.T) {
	if _, err := exec.LookPath("zsh"); err != nil {
		t.Skip("zsh is not installed (.ci/run installs it)")
	}
	e := newCompEnv(t)
	for _, compinit := range []string{"compinit", "source", "fpath"} {
		name := "zsh (" + compinit + ")"
		out := zshComplete(t, e, compinit, "blynkbridge vers")
		if !strings.Contains(out, "GOT:blynkbridge version") || strings.Contains(out, "unrecognized modifier") || strings.Contains(out, "command not found: compdef") {
			t.Errorf("%s: vers<Tab>:\n%s", name, out)
		}
		out = zshComplete(t, e, compinit, "blynkbridge profile li")
		if !strings.Contains(out, "GOT:blynkbridge profile list") {
			t.Errorf("%s: profile li<Tab>:\n%s", name, out)
		}
		out = zshComplete(t, e, compinit, "blynkbridge demo --")
		if !strings.Contains(out, "--plain") {
			t.Errorf("%s: demo --<Tab> offers no flags:\n%s", name, out)
		}
		words, cfg := dashDashLine(t)
		zshComplete(t, e, compinit, strings.Join(words, " ")+" ")
		assertNoFile(t, name, cfg)
		zshComplete(t, e, compinit, "blynkbridge sim -- ")
	}
	e.assertNothingRan(t, "zsh")
}

// fishComplete asks fish's own completion machinery (complete -C) what it
// offers for line.
func fishComplete(t *testing.T, e *compEnv, line string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "fish", "--no-config", "-c", "blynkbridge completion fish | source; complete -C "+fishQuote(line))
	cmd.Env = e.env()
	cmd.Dir = t.TempDir()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("fish %q: %v\n%s", line, err, out)
	}
	var got []string
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if w, _, _ := strings.Cut(l, "\t"); w != "" {
			got = append(got, w)
		}
	}
	return got
}

func fishQuote(s string) string {
	return "'" + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), "'", `\'`) + "'"
}

func TestFishCompletion(t *testing.T) {
	if _, err := exec.LookPath("fish"); err != nil {
		t.Skip("fish is not installed (.ci/run installs it)")
	}
	e := newCompEnv(t)
	for line, want := range map[string]string{
		"blynkbridge vers":              "version",
		"blynkbridge profile li":        "list",
		"blynkbridge profile list --js": "--json",
	} {
		if got := fishComplete(t, e, line); strings.Join(got, " ") != want {
			t.Errorf("%q -> %q, want %q", line, got, want)
		}
	}
	if got := fishComplete(t, e, "blynkbridge demo --"); !strings.Contains(strings.Join(got, " "), "--plain") {
		t.Errorf("demo -- -> %q", got)
	}
	words, cfg := dashDashLine(t)
	fishComplete(t, e, strings.Join(words, " ")+" ")
	assertNoFile(t, "fish", cfg)
	fishComplete(t, e, "blynkbridge sim -- ")
	e.assertNothingRan(t, "fish")
}

// PowerShell (pwsh) is not packaged for Debian, so no test here can run
// it: this checks the generated script's rules instead (the same guard and
// file flags as the other shells) and, where pwsh is installed, that it
// parses.
func TestPowerShellCompletionScript(t *testing.T) {
	out, _ := runOK(t, "completion", "powershell")
	assertContains(t, "powershell script", out,
		"Register-ArgumentCompleter -Native -CommandName blynkbridge",
		"if ($before -contains '--') { return }",
		"$query = if ($wordToComplete -eq '--') { '-' } else { $wordToComplete }",
		"--generate-bash-completion", "profile list -q", "'--elf'", "'--token-file'")
	if strings.Count(out, "{") != strings.Count(out, "}") || strings.Count(out, "(") != strings.Count(out, ")") {
		t.Fatal("unbalanced braces or parentheses")
	}
	if pwsh, err := exec.LookPath("pwsh"); err == nil {
		f := writeTemp(t, "c.ps1", []byte(out))
		if b, err := exec.Command(pwsh, "-NoProfile", "-Command", "$null = [System.Management.Automation.Language.Parser]::ParseFile('"+f+"', [ref]$null, [ref]$errs); if ($errs) { $errs; exit 1 }").CombinedOutput(); err != nil {
			t.Fatalf("pwsh parse: %v\n%s", err, b)
		}
	} else {
		t.Log("pwsh not installed: the script's parse is not checked here")
	}
}

func TestCompletionScripts(t *testing.T) {
	for _, sh := range shellcomp.Shells() {
		out, errOut, code := runCLI(t, "completion", sh)
		if code != 0 || !strings.Contains(out, "--generate-bash-completion") || !strings.Contains(out, "profile list -q") {
			t.Fatalf("%s: %d %s", sh, code, errOut)
		}
	}
	if _, _, code := runCLI(t, "completion", "tcsh"); code != 2 {
		t.Fatalf("tcsh: code %d", code)
	}
	// The binary's own guard: a completion request after a bare -- runs
	// nothing and prints nothing.
	out, errOut, code := runCLI(t, "profile", "add", "x", "--config", filepath.Join(t.TempDir(), "p.toml"), "--", "--generate-bash-completion")
	if code != 0 || out != "" || errOut != "" {
		t.Fatalf("completion after --: exit %d, %q %q", code, out, errOut)
	}
}
