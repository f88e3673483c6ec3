package doctor

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/blynkbridge/blynkbridge/internal/bberr"
)

func TestReport(t *testing.T) {
	r := Report{Findings: []Finding{
		{ID: "ports", Status: OK, Summary: "1 port", Fix: "never shown for ok"},
		{ID: "permission", Status: Fail, Summary: "no access", Detail: "mode 0660", Fix: "sudo usermod -aG dialout $USER"},
	}}
	var b bytes.Buffer
	r.WriteText(&b)
	want := "ok    ports         1 port\nFAIL  permission    no access\n                    mode 0660\n                    fix: sudo usermod -aG dialout $USER\n"
	if b.String() != want {
		t.Fatalf("got\n%q\nwant\n%q", b.String(), want)
	}
	if err := r.Err(); bberr.CodeOf(err) != bberr.CheckFailed || !strings.Contains(err.Error(), "1 problem(s): permission") {
		t.Fatal(err)
	}
	b.Reset()
	if err := r.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	var v struct {
		V  int  `json:"v"`
		OK bool `json:"ok"`
	}
	if err := json.Unmarshal(b.Bytes(), &v); err != nil || v.V != 1 || v.OK {
		t.Fatalf("%v %+v", err, v)
	}
	if (Report{Findings: r.Findings[:1]}).Err() != nil {
		t.Fatal("no failure, yet an error")
	}
}
