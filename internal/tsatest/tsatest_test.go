package tsatest_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/siegel-app/siegel/internal/testenv"
	"github.com/siegel-app/siegel/internal/testpki"
	"github.com/siegel-app/siegel/internal/tsatest"
)

func openssl(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("openssl", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("openssl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func post(t *testing.T, s *tsatest.Server, query []byte) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.Post(s.URL, "application/timestamp-query", bytes.NewReader(query))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

// TestOpenSSLVerifies has openssl make the request and judge the answer, so
// the server is checked by something other than Siegel's own client.
func TestOpenSSLVerifies(t *testing.T) {
	testenv.Need(t, "openssl")
	p := testpki.MustShared(t)
	s := tsatest.New(t, p)
	dir := t.TempDir()
	file := func(name string) string { return filepath.Join(dir, name) }

	data := []byte("signature value stand-in")
	must(t, os.WriteFile(file("data"), data, 0o600))
	must(t, os.WriteFile(file("root.pem"), testpki.PEM(p.Root.Cert), 0o600))
	must(t, os.WriteFile(file("chain.pem"), testpki.PEM(p.TSA.Cert, p.Intermediate.Cert), 0o600))
	openssl(t, "ts", "-query", "-data", file("data"), "-sha256", "-cert", "-out", file("q.tsq"))
	query, err := os.ReadFile(file("q.tsq"))
	must(t, err)

	resp, body := post(t, s, query)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/timestamp-reply" {
		t.Fatalf("answer: %s, %q", resp.Status, resp.Header.Get("Content-Type"))
	}
	must(t, os.WriteFile(file("r.tsr"), body, 0o600))

	// The reply against the query: status, nonce, imprint, signature, chain.
	openssl(t, "ts", "-verify", "-queryfile", file("q.tsq"), "-in", file("r.tsr"),
		"-CAfile", file("root.pem"), "-untrusted", file("chain.pem"))
	// The token alone against the digest, as a verifier sees it in a PDF.
	openssl(t, "ts", "-reply", "-in", file("r.tsr"), "-token_out", "-out", file("tok.der"))
	sum := sha256.Sum256(data)
	openssl(t, "ts", "-verify", "-in", file("tok.der"), "-token_in", "-digest", hex.EncodeToString(sum[:]),
		"-CAfile", file("root.pem"), "-untrusted", file("chain.pem"))

	text := openssl(t, "ts", "-reply", "-in", file("r.tsr"), "-text")
	for _, want := range []string{"Status: Granted", "Policy OID: 1.3.6.1.4.1.99999.1", "Accuracy: 0x01 seconds", "Nonce: 0x"} {
		if !strings.Contains(text, want) {
			t.Errorf("reply lacks %q:\n%s", want, text)
		}
	}
	if got := s.Requests.Load(); got != 1 {
		t.Errorf("Requests = %d, want 1", got)
	}
}

func TestModes(t *testing.T) {
	testenv.Need(t, "openssl")
	p := testpki.MustShared(t)
	s := tsatest.New(t, p)
	dir := t.TempDir()
	must(t, os.WriteFile(filepath.Join(dir, "data"), []byte("x"), 0o600))
	q := filepath.Join(dir, "q.tsq")
	openssl(t, "ts", "-query", "-data", filepath.Join(dir, "data"), "-sha256", "-cert", "-out", q)
	query, err := os.ReadFile(q)
	must(t, err)

	tests := []struct {
		mode       tsatest.Mode
		wantStatus int
		wantText   string // in `openssl ts -reply -text`, "" to skip
	}{
		{tsatest.Normal, 200, "Status: Granted"},
		{tsatest.HTTPError, 500, ""},
		{tsatest.Garbage, 200, ""},
		{tsatest.Reject, 200, "Status: Rejected"},
		{tsatest.WrongNonce, 200, "Status: Granted"},
		{tsatest.WrongImprint, 200, "Status: Granted"},
	}
	for _, tt := range tests {
		s.SetMode(tt.mode)
		resp, body := post(t, s, query)
		if resp.StatusCode != tt.wantStatus {
			t.Errorf("mode %d: status %d, want %d", tt.mode, resp.StatusCode, tt.wantStatus)
		}
		if tt.wantText == "" {
			continue
		}
		r := filepath.Join(dir, "r.tsr")
		must(t, os.WriteFile(r, body, 0o600))
		if text := openssl(t, "ts", "-reply", "-in", r, "-text"); !strings.Contains(text, tt.wantText) {
			t.Errorf("mode %d: reply lacks %q:\n%s", tt.mode, tt.wantText, text)
		}
	}
}

func TestLoopbackOnly(t *testing.T) {
	s := tsatest.New(t, testpki.MustShared(t))
	u, err := url.Parse(s.URL)
	must(t, err)
	if u.Hostname() != "127.0.0.1" {
		t.Errorf("server listens on %s, want 127.0.0.1", u.Host)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
