package verify_test

import (
	"context"
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/siegel-app/siegel/internal/judge"
	"github.com/siegel-app/siegel/internal/testenv"
	"github.com/siegel-app/siegel/internal/testpki"
	"github.com/siegel-app/siegel/internal/tsatest"
	"github.com/siegel-app/siegel/signing/cms"
	"github.com/siegel-app/siegel/signing/tsa"
	"github.com/siegel-app/siegel/signing/verify"
)

// signFile writes a detached CMS over data's bytes, as "siegel sign" would
// for a .p7s.
func signFile(t testing.TB, p *testpki.PKI, e *testpki.Entity, data, out string, copts cms.Options) {
	t.Helper()
	b, err := os.ReadFile(data)
	if err != nil {
		t.Fatal(err)
	}
	h := crypto.SHA256.New()
	h.Write(b)
	der, err := cms.SignDetached(context.Background(), e.Key, p.Chain(e), h.Sum(nil), copts)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(out, der, 0o644); err != nil {
		t.Fatal(err)
	}
}

// opensslVerifies reports whether openssl cms -verify accepts the detached
// signature over data with the test root as the only anchor.
func opensslVerifies(t *testing.T, sig, data, root string) bool {
	t.Helper()
	bin := testenv.Need(t, "openssl")["openssl"]
	args := []string{"cms", "-verify", "-binary", "-inform", "DER", "-in", sig, "-CAfile", root,
		"-purpose", "any", "-out", os.DevNull}
	if data != "" {
		args = append(args, "-content", data)
	}
	out, err := exec.Command(bin, args...).CombinedOutput()
	if err == nil != strings.Contains(string(out), "Verification successful") {
		t.Fatalf("openssl cms -verify: exit %v but output\n%s", err, out)
	}
	return err == nil
}

func TestVerifyDetached(t *testing.T) {
	p := testpki.MustShared(t)
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	data := write("contract.txt", []byte("Kaufvertrag\x00\xff binary bytes\n"))
	root := write("root.pem", testpki.PEM(p.Root.Cert))
	changed := write("changed.txt", []byte("Kaufvertrag\x00\xfe binary bytes\n"))
	srv := tsatest.New(t, p)
	client := &tsa.Client{URL: srv.URL}

	ec, rsaBT := filepath.Join(dir, "ec.p7s"), filepath.Join(dir, "rsa-bt.p7s")
	signFile(t, p, p.SignerEC, data, ec, cms.Options{})
	signFile(t, p, p.SignerRSA, data, rsaBT, cms.Options{Timestamper: client.Timestamp})
	ecDER, _ := os.ReadFile(ec)
	pemSig := write("ec.pem.p7s", pem.EncodeToMemory(&pem.Block{Type: "CMS", Bytes: ecDER}))

	// An enveloping .p7m made by openssl (CAdES: signing-certificate-v2
	// and signing-time).
	keyDER, err := x509.MarshalPKCS8PrivateKey(p.SignerEC.Key)
	if err != nil {
		t.Fatal(err)
	}
	key := write("key.pem", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}))
	cert := write("cert.pem", testpki.PEM(p.SignerEC.Cert))
	chain := write("chain.pem", testpki.PEM(p.Intermediate.Cert))
	p7m := filepath.Join(dir, "contract.txt.p7m")
	judge.OpenSSL(t, "cms", "-sign", "-nodetach", "-binary", "-cades", "-md", "sha256", "-in", data,
		"-signer", cert, "-inkey", key, "-certfile", chain, "-outform", "DER", "-out", p7m)

	trusted := verify.Options{Roots: rootsOf(p), SkipRevocation: true}
	for _, tc := range []struct {
		name, sig, data string
		opts            verify.Options
		ind             verify.Indication
		sub             verify.SubIndication
		intact          bool
		level, time     string
		openssl         bool // what openssl cms -verify says
	}{
		{"valid EC", ec, data, trusted, verify.TotalPassed, "", true, "CMS", "", true},
		{"valid RSA with timestamp", rsaBT, data, trusted, verify.TotalPassed, "", true, "CMS", verify.TimeFromTimestamp, true},
		{"PEM", pemSig, data, trusted, verify.TotalPassed, "", true, "CMS", "", true},
		{"data byte changed", ec, changed, trusted, verify.TotalFailed, verify.HashFailure, false, "", "", false},
		{"untrusted root", ec, data, verify.Options{Roots: x509.NewCertPool(), SkipRevocation: true},
			verify.Indeterminate, verify.NoCertificateChainFound, true, "CMS", "", true},
		{"revocation not checked", ec, data, verify.Options{Roots: rootsOf(p)},
			verify.Indeterminate, verify.TryLater, true, "CMS", "", true},
		{"enveloping", p7m, "", trusted, verify.TotalPassed, "", true, "CAdES-B-B", verify.TimeClaimed, true},
		{"enveloping checked against other data", p7m, changed, trusted, verify.TotalFailed, verify.HashFailure, false, "", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := verify.VerifyDetached(tc.sig, tc.data, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Signatures) != 1 {
				t.Fatalf("%d signatures", len(rep.Signatures))
			}
			s := rep.Signatures[0]
			if rep.Indication != tc.ind || s.Indication != tc.ind || s.SubIndication != tc.sub || s.Intact != tc.intact {
				t.Errorf("%s/%s intact %v; want %s/%s intact %v; problems %q", s.Indication, s.SubIndication, s.Intact, tc.ind, tc.sub, tc.intact, s.Problems)
			}
			if s.Level != tc.level || s.TimeSource != tc.time || s.Coverage != verify.WholeFile {
				t.Errorf("level %q time %q coverage %q; want %q %q", s.Level, s.TimeSource, s.Coverage, tc.level, tc.time)
			}
			if tc.intact && !strings.HasSuffix(s.Signer.CommonName(), " Mustermann") {
				t.Errorf("signer %q", s.Signer.Subject)
			}
			if tc.sig != pemSig {
				if got := opensslVerifies(t, tc.sig, tc.data, root); got != tc.openssl {
					t.Errorf("openssl cms -verify: %v, want %v", got, tc.openssl)
				}
			}
		})
	}

	notCMS := write("junk.p7s", []byte("this is not a signature"))
	for _, tc := range []struct {
		name, sig, data string
		want            error
	}{
		{"no data", ec, "", verify.ErrNoData},
		{"not CMS", notCMS, data, cms.ErrMalformed},
		{"missing data file", ec, filepath.Join(dir, "missing"), os.ErrNotExist},
		{"missing signature", filepath.Join(dir, "missing.p7s"), data, os.ErrNotExist},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := verify.VerifyDetached(tc.sig, tc.data, trusted)
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), filepath.Base(tc.sig)) {
				t.Errorf("err = %v, want %v naming the file", err, tc.want)
			}
		})
	}
}

// FuzzVerifyDetached: no signature file, however malformed, makes the
// verifier panic or hang; it reports or fails.
func FuzzVerifyDetached(f *testing.F) {
	p := testpki.MustShared(f)
	dir := f.TempDir()
	data := filepath.Join(dir, "data")
	os.WriteFile(data, []byte("data"), 0o644)
	sig := filepath.Join(dir, "seed.p7s")
	signFile(f, p, p.SignerEC, data, sig, cms.Options{})
	seed, _ := os.ReadFile(sig)
	f.Add(seed)
	f.Add(seed[:len(seed)/2])
	f.Add([]byte("-----BEGIN CMS-----\nMAA=\n-----END CMS-----\n"))
	f.Add([]byte{0x30, 0x80, 0, 0})
	opts := verify.Options{Roots: rootsOf(p), SkipRevocation: true}
	f.Fuzz(func(t *testing.T, der []byte) {
		path := filepath.Join(t.TempDir(), "f.p7s")
		if err := os.WriteFile(path, der, 0o644); err != nil {
			t.Fatal(err)
		}
		rep, err := verify.VerifyDetached(path, data, opts)
		if err == nil && (len(rep.Signatures) != 1 || rep.Indication == "") {
			t.Fatalf("report without a result: %+v", rep)
		}
	})
}
