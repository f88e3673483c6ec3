package shellcomp

import (
	"strings"
	"testing"
)

// Every script keeps the one rule (no binary call after a bare --), asks
// the binary with the completion flag, and completes the same file flags.
// The shells themselves are driven in cmd/blynkbridge's completion tests.
func TestScripts(t *testing.T) {
	if got := strings.Join(Shells(), " "); got != "bash fish powershell zsh" {
		t.Fatalf("shells %q", got)
	}
	guard := map[string]string{
		"bash":       `if [[ "${COMP_WORDS[i]}" == -- ]]; then`,
		"zsh":        `if [[ $i == -- ]]; then`,
		"fish":       `if contains -- -- $tokens[2..-1]`,
		"powershell": `if ($before -contains '--') { return }`,
	}
	for _, sh := range Shells() {
		s, err := Script(sh)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(s, guard[sh]) || !strings.Contains(s, "--generate-bash-completion") || Install[sh] == "" {
			t.Errorf("%s: guard, completion request or install note missing", sh)
		}
		for _, f := range strings.Fields(fileFlags) {
			if !strings.Contains(s, f) {
				t.Errorf("%s: file flag %s not completed", sh, f)
			}
		}
	}
	if _, err := Script("tcsh"); err == nil {
		t.Fatal("tcsh accepted")
	}
}
