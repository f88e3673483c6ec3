package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// buildBinary builds blynkbridge into a temp dir (named so the completion
// script's `complete ... blynkbridge` applies) and returns that dir.
func buildBinary(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	cmd := exec.Command("go", "build", "-o", filepath.Join(dir, "blynkbridge"), ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return dir
}

// bashComplete sources `blynkbridge completion bash` in a fresh bash and
// returns what completing the words gives.
func bashComplete(t *testing.T, bin, env string, words ...string) []string {
	t.Helper()
	script := `set -e
source <(blynkbridge completion bash)
COMP_WORDS=(` + strings.Join(words, " ") + `)
COMP_CWORD=` + strconv.Itoa(len(words)-1) + `
_blynkbridge
printf '%s\n' "${COMPREPLY[@]}"
`
	cmd := exec.Command("bash", "--norc", "--noprofile", "-c", script)
	cmd.Env = append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"), env)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("bash: %v\n%s", err, out)
	}
	return strings.Fields(string(out))
}

func TestBashCompletion(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Fatal("bash is needed for this test")
	}
	bin := buildBinary(t)
	if got := bashComplete(t, bin, "", "blynkbridge", "ver"); strings.Join(got, " ") != "version" {
		t.Fatalf("ver -> %q", got)
	}
	if findCommand(newApp(nil, nil).Commands, "flash") != nil {
		if got := bashComplete(t, bin, "", "blynkbridge", "fl"); strings.Join(got, " ") != "flash" {
			t.Fatalf("fl -> %q", got)
		}
	}
	if got := bashComplete(t, bin, "", "blynkbridge", "profile", "li"); strings.Join(got, " ") != "list" {
		t.Fatalf("profile li -> %q", got)
	}
	if got := bashComplete(t, bin, "", "blynkbridge", "profile", "list", "--js"); strings.Join(got, " ") != "--json" {
		t.Fatalf("profile list --js -> %q", got)
	}
	// Profile names after --profile, from the profiles file.
	cfg := writeTemp(t, "p.toml", []byte("[profiles.desk]\nport = \"/dev/x\"\n[profiles.lab]\nport = \"/dev/y\"\n"))
	if got := bashComplete(t, bin, "BLYNKBRIDGE_CONFIG="+cfg, "blynkbridge", "monitor", "--profile", "''"); strings.Join(got, " ") != "desk lab" {
		t.Fatalf("--profile -> %q", got)
	}
	if got := bashComplete(t, bin, "BLYNKBRIDGE_CONFIG="+cfg, "blynkbridge", "profile", "show", "''"); !strings.Contains(strings.Join(got, " "), "desk lab") {
		t.Fatalf("profile show -> %q", got)
	}
}

func TestCompletionScriptsAndMan(t *testing.T) {
	for _, sh := range []string{"bash", "zsh", "fish"} {
		out, errOut, code := runCLI(t, "completion", sh)
		if code != 0 || !strings.Contains(out, "--generate-bash-completion") || !strings.Contains(out, "profile list -q") {
			t.Fatalf("%s: %d %s", sh, code, errOut)
		}
	}
	if _, _, code := runCLI(t, "completion", "tcsh"); code != 2 {
		t.Fatalf("tcsh: code %d", code)
	}
	out, _, code := runCLI(t, "man")
	if code != 0 || !strings.Contains(out, ".TH blynkbridge 1") || !strings.Contains(out, "doctor") || !strings.Contains(out, "profile") {
		t.Fatalf("man: %d\n%.300s", code, out)
	}
}
