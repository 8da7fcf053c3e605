package verify_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/siegel-app/siegel/internal/judge"
	"github.com/siegel-app/siegel/internal/testpdf"
	"github.com/siegel-app/siegel/internal/testpki"
	"github.com/siegel-app/siegel/internal/tsatest"
	"github.com/siegel-app/siegel/signing/cms"
	"github.com/siegel-app/siegel/signing/pades"
	"github.com/siegel-app/siegel/signing/tsa"
	"github.com/siegel-app/siegel/signing/verify"
)

// signPDF signs in as out with e, the way app.Sign does: prepare, CMS over
// the prepared digest, embed, commit. A non-nil contents is embedded
// instead of the CMS.
func signPDF(t *testing.T, p *testpki.PKI, e *testpki.Entity, in, out string, when time.Time, copts cms.Options, contents []byte) {
	t.Helper()
	chain := p.Chain(e)
	size := cms.MaxSize(chain, e.Key.Public(), copts)
	if copts.Timestamper != nil {
		size += 16 << 10
	}
	prep, err := pades.Prepare(in, out, pades.Options{Time: when, ContentsSize: size, Reason: "Approved"})
	if err != nil {
		t.Fatal(err)
	}
	der := contents
	if der == nil {
		if der, err = cms.SignDetached(context.Background(), e.Key, chain, prep.Digest, copts); err != nil {
			t.Fatal(err)
		}
	}
	if err := prep.Embed(der); err != nil {
		t.Fatal(err)
	}
	if err := prep.Commit(out, false); err != nil {
		t.Fatal(err)
	}
}

func rootsOf(p *testpki.PKI) *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(p.Root.Cert)
	return pool
}

// edit changes the file at path with f.
func edit(t *testing.T, path string, f func([]byte) []byte) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, f(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// setByteRange overwrites the last /ByteRange of data with br, in the
// room pades reserves for it (the array and its padding).
func setByteRange(br string) func([]byte) []byte {
	return func(data []byte) []byte {
		i := bytes.LastIndex(data, []byte("/ByteRange ")) + len("/ByteRange ")
		end := bytes.Index(data[i:], []byte("/Contents")) + i - 1
		room := end - i
		if len(br) > room {
			panic("byte range too long")
		}
		copy(data[i:end], br+strings.Repeat(" ", room-len(br)))
		return data
	}
}

func lastByteRange(t *testing.T, path string) [4]int64 {
	t.Helper()
	sigs := judge.Signatures(t, path)
	return sigs[len(sigs)-1].ByteRange
}

func TestVerifyPDF(t *testing.T) {
	p := testpki.MustShared(t)
	now := time.Now()
	dir := t.TempDir()
	in := filepath.Join(dir, "in.pdf")
	if err := os.WriteFile(in, testpdf.Pages(2), 0o644); err != nil {
		t.Fatal(err)
	}
	srv := tsatest.New(t, p)
	client := &tsa.Client{URL: srv.URL}

	type want struct {
		ind      verify.Indication
		sub      verify.SubIndication
		coverage verify.Coverage
		intact   bool
	}
	passed := want{verify.TotalPassed, "", verify.WholeFile, true}
	for _, tc := range []struct {
		name  string
		make  func(t *testing.T, out string)
		opts  verify.Options
		wants []want // one per signature, in order
		level string
		time  string // TimeSource of the last signature
	}{
		{name: "valid RSA", opts: verify.Options{Roots: rootsOf(p), SkipRevocation: true},
			make:  func(t *testing.T, out string) { signPDF(t, p, p.SignerRSA, in, out, now, cms.Options{}, nil) },
			wants: []want{passed}, level: "PAdES-B-B", time: verify.TimeClaimed},
		{name: "valid EC", opts: verify.Options{Roots: rootsOf(p), SkipRevocation: true},
			make:  func(t *testing.T, out string) { signPDF(t, p, p.SignerEC, in, out, now, cms.Options{}, nil) },
			wants: []want{passed}, level: "PAdES-B-B", time: verify.TimeClaimed},
		{name: "valid B-T", opts: verify.Options{Roots: rootsOf(p), SkipRevocation: true},
			make: func(t *testing.T, out string) {
				signPDF(t, p, p.SignerEC, in, out, now, cms.Options{Timestamper: client.Timestamp}, nil)
			},
			wants: []want{passed}, level: "PAdES-B-T", time: verify.TimeFromTimestamp},
		{name: "revocation not checked", opts: verify.Options{Roots: rootsOf(p)},
			make:  func(t *testing.T, out string) { signPDF(t, p, p.SignerRSA, in, out, now, cms.Options{}, nil) },
			wants: []want{{verify.Indeterminate, verify.TryLater, verify.WholeFile, true}}},
		{name: "untrusted root", opts: verify.Options{Roots: x509.NewCertPool(), SkipRevocation: true},
			make:  func(t *testing.T, out string) { signPDF(t, p, p.SignerRSA, in, out, now, cms.Options{}, nil) },
			wants: []want{{verify.Indeterminate, verify.NoCertificateChainFound, verify.WholeFile, true}}},
		{name: "byte flipped in the signed range", opts: verify.Options{Roots: rootsOf(p), SkipRevocation: true},
			make: func(t *testing.T, out string) {
				signPDF(t, p, p.SignerRSA, in, out, now, cms.Options{}, nil)
				// The binary comment on the PDF's second line: the file
				// still parses, only the signed bytes differ.
				edit(t, out, func(b []byte) []byte { b[10] ^= 0x01; return b })
			},
			wants: []want{{verify.TotalFailed, verify.HashFailure, verify.WholeFile, false}}},
		{name: "gap wider than /Contents", opts: verify.Options{Roots: rootsOf(p), SkipRevocation: true},
			make: func(t *testing.T, out string) {
				signPDF(t, p, p.SignerRSA, in, out, now, cms.Options{}, nil)
				br := lastByteRange(t, out)
				edit(t, out, setByteRange(fmt.Sprintf("[0 %d %d %d]", br[1]-1, br[2], br[3])))
			},
			wants: []want{{verify.TotalFailed, verify.FormatFailure, verify.Partial, false}}},
		{name: "gap narrower than /Contents", opts: verify.Options{Roots: rootsOf(p), SkipRevocation: true},
			make: func(t *testing.T, out string) {
				signPDF(t, p, p.SignerRSA, in, out, now, cms.Options{}, nil)
				br := lastByteRange(t, out)
				edit(t, out, setByteRange(fmt.Sprintf("[0 %d %d %d]", br[1], br[2]-1, br[3]+1)))
			},
			wants: []want{{verify.TotalFailed, verify.FormatFailure, verify.Partial, false}}},
		{name: "range not ending at a revision", opts: verify.Options{Roots: rootsOf(p), SkipRevocation: true},
			make: func(t *testing.T, out string) {
				signPDF(t, p, p.SignerRSA, in, out, now, cms.Options{}, nil)
				br := lastByteRange(t, out)
				edit(t, out, setByteRange(fmt.Sprintf("[0 %d %d %d]", br[1], br[2], br[3]-20)))
			},
			wants: []want{{verify.TotalFailed, verify.FormatFailure, verify.Partial, false}}},
		{name: "range not starting at 0", opts: verify.Options{Roots: rootsOf(p), SkipRevocation: true},
			make: func(t *testing.T, out string) {
				signPDF(t, p, p.SignerRSA, in, out, now, cms.Options{}, nil)
				br := lastByteRange(t, out)
				edit(t, out, setByteRange(fmt.Sprintf("[1 %d %d %d]", br[1]-1, br[2], br[3])))
			},
			wants: []want{{verify.TotalFailed, verify.FormatFailure, verify.Partial, false}}},
		{name: "garbage contents", opts: verify.Options{Roots: rootsOf(p), SkipRevocation: true},
			make: func(t *testing.T, out string) {
				junk := make([]byte, 300)
				rand.Read(junk)
				signPDF(t, p, p.SignerRSA, in, out, now, cms.Options{}, junk)
			},
			wants: []want{{verify.TotalFailed, verify.FormatFailure, verify.WholeFile, false}}},
		{name: "second signature in a later revision", opts: verify.Options{Roots: rootsOf(p), SkipRevocation: true},
			make: func(t *testing.T, out string) {
				first := out + ".first.pdf"
				signPDF(t, p, p.SignerRSA, in, first, now, cms.Options{}, nil)
				signPDF(t, p, p.SignerEC, first, out, now, cms.Options{}, nil)
			},
			// The second signature is an allowed change (changes.go).
			wants: []want{{verify.TotalPassed, "", verify.WholeRevision, true}, passed}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out.pdf")
			tc.make(t, out)
			rep, err := verify.Verify(out, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Signatures) != len(tc.wants) {
				t.Fatalf("%d signatures, want %d: %+v", len(rep.Signatures), len(tc.wants), rep.Signatures)
			}
			worst := verify.TotalPassed
			for i, w := range tc.wants {
				s := rep.Signatures[i]
				if s.Indication != w.ind || s.SubIndication != w.sub || s.Coverage != w.coverage || s.Intact != w.intact {
					t.Errorf("signature %d (%s): %s/%s, %s, intact %v; want %s/%s, %s, intact %v; problems %q",
						i, s.Field, s.Indication, s.SubIndication, s.Coverage, s.Intact, w.ind, w.sub, w.coverage, w.intact, s.Problems)
				}
				if s.Indication != verify.TotalPassed && len(s.Problems) == 0 {
					t.Errorf("signature %d: %s without a problem saying why", i, s.Indication)
				}
				if s.Indication == verify.TotalFailed || (worst == verify.TotalPassed && s.Indication == verify.Indeterminate) {
					worst = s.Indication
				}
			}
			if rep.Indication != worst {
				t.Errorf("report indication %s, want %s", rep.Indication, worst)
			}
			last := rep.Signatures[len(rep.Signatures)-1]
			if tc.level != "" && last.Level != tc.level {
				t.Errorf("level %q, want %q", last.Level, tc.level)
			}
			if tc.time != "" {
				if last.TimeSource != tc.time {
					t.Errorf("time source %q, want %q", last.TimeSource, tc.time)
				}
				if d := last.SigningTime.Sub(now); d < -2*time.Second || d > time.Minute {
					t.Errorf("signing time %v, signed at %v", last.SigningTime, now)
				}
			}
			if last.Intact {
				if cn := last.Signer.CommonName(); cn != "Erika Mustermann" && cn != "Max Mustermann" {
					t.Errorf("signer %q", cn)
				}
				if last.Signer.Issuer == "" || last.Signer.Serial == "" || last.Signer.Certificate == nil {
					t.Errorf("signer %+v", last.Signer)
				}
			}
			if last.Signer.Chain != nil && last.Signer.Chain[len(last.Signer.Chain)-1] != nil &&
				!last.Signer.Chain[len(last.Signer.Chain)-1].Equal(p.Root.Cert) {
				t.Error("chain does not end at the test root")
			}
		})
	}
}

// TestVerifyCrossCheck: pdfsig, an independent verifier, agrees on what
// is intact and what was changed.
func TestVerifyCrossCheck(t *testing.T) {
	p := testpki.MustShared(t)
	dir := t.TempDir()
	in, out, bad := filepath.Join(dir, "in.pdf"), filepath.Join(dir, "out.pdf"), filepath.Join(dir, "bad.pdf")
	os.WriteFile(in, testpdf.Pages(1), 0o644)
	signPDF(t, p, p.SignerRSA, in, out, time.Now(), cms.Options{}, nil)
	data, _ := os.ReadFile(out)
	data[10] ^= 1
	os.WriteFile(bad, data, 0o644)
	for _, tc := range []struct {
		path  string
		valid bool
	}{{out, true}, {bad, false}} {
		sigs := judge.PDFSig(t, tc.path)
		rep, err := verify.Verify(tc.path, verify.Options{Roots: rootsOf(p), SkipRevocation: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(sigs) != 1 || len(rep.Signatures) != 1 {
			t.Fatalf("%s: pdfsig found %d signatures, we %d", tc.path, len(sigs), len(rep.Signatures))
		}
		if sigs[0].Valid != tc.valid || rep.Signatures[0].Intact != tc.valid {
			t.Errorf("%s: pdfsig valid %v, ours intact %v, want %v", tc.path, sigs[0].Valid, rep.Signatures[0].Intact, tc.valid)
		}
		if sigs[0].Total != (rep.Signatures[0].Coverage == verify.WholeFile) {
			t.Errorf("%s: pdfsig total %v, ours %s", tc.path, sigs[0].Total, rep.Signatures[0].Coverage)
		}
	}
}

// TestVerifyExpiredSigner: a certificate that has expired since, with
// only a claimed time, cannot pass (EN 319 102-1: no proof of existence).
func TestVerifyExpiredSigner(t *testing.T) {
	then := time.Now().AddDate(-6, 0, 0)
	old, err := testpki.New(then)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.pdf"), filepath.Join(dir, "out.pdf")
	os.WriteFile(in, testpdf.Pages(1), 0o644)
	signPDF(t, old, old.SignerRSA, in, out, then, cms.Options{}, nil)
	rep, err := verify.Verify(out, verify.Options{Roots: rootsOf(old), SkipRevocation: true})
	if err != nil {
		t.Fatal(err)
	}
	s := rep.Signatures[0]
	if s.Indication != verify.Indeterminate || s.SubIndication != verify.OutOfBoundsNoPOE || !s.Intact {
		t.Errorf("%s/%s intact %v, want INDETERMINATE/OUT_OF_BOUNDS_NO_POE; %q", s.Indication, s.SubIndication, s.Intact, s.Problems)
	}
	if !s.SigningTime.Equal(then.Truncate(time.Second)) || s.TimeSource != verify.TimeClaimed {
		t.Errorf("signing time %v (%s), want %v claimed", s.SigningTime, s.TimeSource, then)
	}
	// At a verification time inside the validity the same file passes.
	rep, _ = verify.Verify(out, verify.Options{Roots: rootsOf(old), SkipRevocation: true, Now: func() time.Time { return then.Add(time.Hour) }})
	if rep.Indication != verify.TotalPassed {
		t.Errorf("at signing time: %s/%s", rep.Indication, rep.Signatures[0].SubIndication)
	}
}

// TestVerifyDocTimestamp: a document timestamp (ISO 32000-2 §12.8.5)
// written by hand: an RFC 3161 token over the byte ranges.
func TestVerifyDocTimestamp(t *testing.T) {
	p := testpki.MustShared(t)
	srv := tsatest.New(t, p)
	path := filepath.Join(t.TempDir(), "dts.pdf")
	const room = 12 << 10
	hole := "<" + strings.Repeat("0", 2*room) + ">"
	brPad := strings.Repeat(" ", 40)
	data := testpdf.Build([]string{
		"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [4 0 R] /SigFlags 3 >> >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Annots [4 0 R] >>",
		"<< /Type /Annot /Subtype /Widget /FT /Sig /T (DocTS) /Rect [0 0 0 0] /P 3 0 R /V 5 0 R >>",
		"<< /Type /DocTimeStamp /Filter /Adobe.PPKLite /SubFilter /ETSI.RFC3161 /ByteRange " + brPad + " /Contents " + hole + " >>",
	}, "")
	a := int64(bytes.Index(data, []byte(hole)))
	b := a + int64(len(hole))
	copy(data[bytes.Index(data, []byte(brPad)):], fmt.Sprintf("[0 %d %d %d]", a, b, int64(len(data))-b))
	h := sha256.New()
	h.Write(data[:a])
	h.Write(data[b:])
	tok, err := (&tsa.Client{URL: srv.URL}).TimestampDigest(context.Background(), h.Sum(nil))
	if err != nil {
		t.Fatal(err)
	}
	copy(data[a+1:], fmt.Sprintf("%X", tok))
	os.WriteFile(path, data, 0o644)

	rep, err := verify.Verify(path, verify.Options{Roots: rootsOf(p), SkipRevocation: true})
	if err != nil {
		t.Fatal(err)
	}
	s := rep.Signatures[0]
	if !s.DocTimestamp || s.Indication != verify.TotalPassed || s.Field != "DocTS" || s.TimeSource != verify.TimeFromTimestamp ||
		s.Signer.CommonName() != "Siegel Test TSA" {
		t.Errorf("%+v", s)
	}
	data[10] ^= 1 // the binary comment: the file still parses
	os.WriteFile(path, data, 0o644)
	rep, err = verify.Verify(path, verify.Options{Roots: rootsOf(p), SkipRevocation: true})
	if err != nil {
		t.Fatal(err)
	}
	if s := rep.Signatures[0]; s.SubIndication != verify.HashFailure {
		t.Errorf("changed byte: %s/%s %q", s.Indication, s.SubIndication, s.Problems)
	}
}

// TestVerifyUnreadableSignature: a signature field whose value is no
// signature dictionary is reported as failed, not skipped.
func TestVerifyUnreadableSignature(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.pdf")
	os.WriteFile(path, testpdf.Build([]string{
		"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [3 0 R 4 0 R] >> >>",
		"<< /Type /Pages /Kids [] /Count 0 >>",
		"<< /FT /Sig /T (Broken) /V 5 0 R >>",
		"<< /FT /Sig /T (Empty) >>", // an unsigned field: no signature
		"42",
	}, ""), 0o644)
	rep, err := verify.Verify(path, verify.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Signatures) != 1 {
		t.Fatalf("%d signatures", len(rep.Signatures))
	}
	if s := rep.Signatures[0]; s.Field != "Broken" || s.Indication != verify.TotalFailed || s.SubIndication != verify.FormatFailure {
		t.Errorf("%+v", s)
	}
}

func TestVerifyErrors(t *testing.T) {
	dir := t.TempDir()
	notPDF, unsigned := filepath.Join(dir, "a.txt"), filepath.Join(dir, "u.pdf")
	os.WriteFile(notPDF, []byte("hello"), 0o644)
	os.WriteFile(unsigned, testpdf.Pages(1), 0o644)
	for _, tc := range []struct {
		path string
		want error
	}{
		{notPDF, pades.ErrNotPDF},
		{unsigned, verify.ErrNoSignature},
		{filepath.Join(dir, "missing.pdf"), os.ErrNotExist},
	} {
		_, err := verify.Verify(tc.path, verify.Options{})
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: err = %v, want %v", tc.path, err, tc.want)
		}
		if err != nil && !strings.Contains(err.Error(), tc.path) {
			t.Errorf("error %q does not name the file", err)
		}
	}
}
