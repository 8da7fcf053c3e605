package trustlist

import (
	"errors"
	"testing"
)

// TestNote: a Note's English is the sentence fmt made before notes, its
// arguments rendered as fmt.Sprint does.
func TestNote(t *testing.T) {
	n := note("%s served sequence number %s, older than the cached %s; keeping the cached copy", "https://x.test/de.xml", 7, 8)
	if got, want := n.String(), "https://x.test/de.xml served sequence number 7, older than the cached 8; keeping the cached copy"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if len(n.Args) != 3 || n.Args[1] != "7" {
		t.Errorf("args %q", n.Args)
	}
	e := &ListError{Territory: "DE", URL: "https://x.test/de.xml", Err: errors.New("broken")}
	if got := e.Error(); got != "trusted list DE (https://x.test/de.xml): broken" || e.Note().String() != got {
		t.Errorf("Error %q, Note %q", got, e.Note())
	}
	if got := e.UnusedNote().String(); got != e.Error()+"; its services are not used" {
		t.Errorf("UnusedNote %q", got)
	}
	lotl := &ListError{LOTL: true, Territory: "EU", URL: "https://x.test/lotl.xml", Err: errors.New("broken")}
	if got := lotl.Error(); got != "list of trusted lists https://x.test/lotl.xml: broken" {
		t.Errorf("LOTL Error %q", got)
	}
}
