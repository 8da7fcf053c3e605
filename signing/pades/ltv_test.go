package pades_test

import (
	"bytes"
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/siegel-app/siegel/internal/judge"
	"github.com/siegel-app/siegel/internal/ocsptest"
	"github.com/siegel-app/siegel/internal/testenv"
	"github.com/siegel-app/siegel/internal/testpdf"
	"github.com/siegel-app/siegel/internal/testpki"
	"github.com/siegel-app/siegel/internal/tsatest"
	"github.com/siegel-app/siegel/signing/cms"
	"github.com/siegel-app/siegel/signing/pades"
	"github.com/siegel-app/siegel/signing/revocation"
	"github.com/siegel-app/siegel/signing/tsa"
)

// TestLongTerm: signature, document security store and document timestamp
// as three revisions of one prepared file, judged by qpdf, pdfsig and
// openssl.
// The input has a cross-reference table, or (made by qpdf) a stream with
// object streams, which each added revision must continue.
func TestLongTerm(t *testing.T) {
	_, pki := ocsptest.NewPKI(t)
	ts := tsatest.New(t, pki)
	dir := t.TempDir()
	table, stream := filepath.Join(dir, "table.pdf"), filepath.Join(dir, "stream.pdf")
	os.WriteFile(table, testpdf.Pages(2), 0o644)
	qpdf := testenv.Need(t, "qpdf")["qpdf"]
	if msg, err := exec.Command(qpdf, "--object-streams=generate", table, stream).CombinedOutput(); err != nil {
		t.Fatalf("qpdf: %v %s", err, msg)
	}
	for _, in := range []string{table, stream} {
		t.Run(filepath.Base(in), func(t *testing.T) { longTerm(t, pki, ts, in) })
	}
}

func longTerm(t *testing.T, pki *testpki.PKI, ts *tsatest.Server, in string) {
	ctx := context.Background()
	dir := t.TempDir()
	out := filepath.Join(dir, "out.pdf")
	chain := pki.Chain(pki.SignerEC)

	p, err := pades.Prepare(in, out, pades.Options{ContentsSize: 8192})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Discard()
	if err := p.Append(pades.Options{DocTimeStamp: true, ContentsSize: 8192}); !errors.Is(err, pades.ErrNotEmbedded) {
		t.Fatalf("append before embedding: err = %v, want ErrNotEmbedded", err)
	}
	sig, err := cms.SignDetached(ctx, pki.SignerEC.Key, chain, p.Digest, cms.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Embed(sig); err != nil {
		t.Fatal(err)
	}
	data, err := (&revocation.Client{}).Fetch(ctx, chain)
	if err != nil {
		t.Fatal(err)
	}
	dss := pades.DSS{OCSPs: data.OCSPs, CRLs: data.CRLs}
	for _, c := range append(chain, data.Certs...) {
		dss.Certs = append(dss.Certs, c.Raw)
	}
	dss.Certs = append(dss.Certs, chain[0].Raw) // a duplicate is stored once
	if err := p.AppendDSS(dss); err != nil {
		t.Fatal(err)
	}
	if err := p.Append(pades.Options{DocTimeStamp: true, ContentsSize: 8192}); err != nil {
		t.Fatal(err)
	}
	tok, err := (&tsa.Client{URL: ts.URL}).TimestampDigest(ctx, p.Digest)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Embed(tok); err != nil {
		t.Fatal(err)
	}
	if err := p.Commit(out, false); err != nil {
		t.Fatal(err)
	}

	judge.QPDFCheck(t, out)
	sigs := judge.PDFSig(t, out)
	if len(sigs) != 2 || !sigs[0].Valid {
		t.Fatalf("pdfsig: %+v", sigs)
	}
	raw := judge.Signatures(t, out)
	if len(raw) != 2 {
		t.Fatalf("%d byte ranges, want 2", len(raw))
	}
	file, _ := os.ReadFile(out)
	if br := raw[1].ByteRange; br[2]+br[3] != int64(len(file)) {
		t.Errorf("document timestamp covers up to %d of %d bytes", br[2]+br[3], len(file))
	}

	// The store, read by qpdf: every certificate once, the OCSP answers
	// as fetched, and a VRI entry named after the signature's /Contents.
	store := ocsptest.ReadDSS(t, out)
	if store == nil {
		t.Fatal("catalog has no /DSS")
	}
	if len(store.Certs) != len(chain)+1 {
		t.Errorf("%d certificates in /DSS, want %d", len(store.Certs), len(chain)+1)
	}
	if len(store.OCSPs) != len(data.OCSPs) {
		t.Fatalf("%d OCSP answers in /DSS, want %d", len(store.OCSPs), len(data.OCSPs))
	}
	for i := range store.OCSPs {
		if !bytes.Equal(store.OCSPs[i], data.OCSPs[i]) {
			t.Errorf("OCSP answer %d differs from the one fetched", i)
		}
	}
	sigValue := contentsValue(t, file, raw[0].ByteRange)
	sum := sha1.Sum(sigValue)
	if vri, ok := store.VRI[strings.ToUpper(hex.EncodeToString(sum[:]))]; !ok || len(vri.OCSP) != len(data.OCSPs) || len(vri.Cert) != len(store.Certs) {
		t.Errorf("no VRI entry with the data for the signature: %v", store.VRI)
	}

	// The document timestamp: openssl verifies the token over the byte
	// ranges with the root as the only trust anchor.
	br := raw[1].ByteRange
	covered := append(append([]byte{}, file[br[0]:br[0]+br[1]]...), file[br[2]:br[2]+br[3]]...)
	dataPath, tokPath, rootPath := filepath.Join(dir, "covered"), filepath.Join(dir, "tok.der"), filepath.Join(dir, "root.pem")
	os.WriteFile(dataPath, covered, 0o600)
	os.WriteFile(tokPath, raw[1].CMS, 0o600)
	pki.WriteRootPEM(rootPath)
	judge.OpenSSL(t, "ts", "-verify", "-data", dataPath, "-in", tokPath, "-token_in", "-CAfile", rootPath)
	_, info, err := cms.ParseTimestampToken(raw[1].CMS)
	if err != nil {
		t.Fatal(err)
	}
	if d := sha256.Sum256(covered); !bytes.Equal(info.HashedMessage, d[:]) {
		t.Error("timestamp imprint is not the SHA-256 of the byte ranges")
	}
	if !bytes.Contains(file, []byte("/Type /DocTimeStamp /Filter /Adobe.PPKLite /SubFilter /ETSI.RFC3161")) {
		t.Error("no document timestamp dictionary")
	}
}

func contentsValue(t *testing.T, file []byte, br [4]int64) []byte {
	v, err := hex.DecodeString(string(file[br[1]+1 : br[2]-1]))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestDSSMerge: a second signature's store keeps the first one's data and
// adds its own, with a VRI entry for each signature; both signatures stay
// valid.
func TestDSSMerge(t *testing.T) {
	_, pki := ocsptest.NewPKI(t)
	ctx := context.Background()
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.pdf"), filepath.Join(dir, "out.pdf")
	os.WriteFile(in, testpdf.Pages(1), 0o644)
	p, err := pades.Prepare(in, out, pades.Options{ContentsSize: 8192})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Discard()
	sign := func(e *testpki.Entity) {
		t.Helper()
		der, err := cms.SignDetached(ctx, e.Key, pki.Chain(e), p.Digest, cms.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Embed(der); err != nil {
			t.Fatal(err)
		}
		data, err := (&revocation.Client{}).Fetch(ctx, pki.Chain(e))
		if err != nil {
			t.Fatal(err)
		}
		if err := p.AppendDSS(pades.DSS{Certs: [][]byte{e.Cert.Raw}, OCSPs: data.OCSPs}); err != nil {
			t.Fatal(err)
		}
	}
	sign(pki.SignerEC)
	if err := p.Append(pades.Options{DocTimeStamp: true, ContentsSize: 100, Visible: &pades.Visible{Page: 1, W: 10, H: 10}}); err == nil {
		t.Error("a visible document timestamp was prepared")
	}
	if err := p.Append(pades.Options{ContentsSize: 8192, Reason: "second"}); err != nil {
		t.Fatal(err)
	}
	sign(pki.SignerRSA)
	if err := p.Commit(out, false); err != nil {
		t.Fatal(err)
	}
	judge.QPDFCheck(t, out)
	if sigs := judge.PDFSig(t, out); len(sigs) != 2 || !sigs[0].Valid || !sigs[1].Valid {
		t.Fatalf("pdfsig: %+v", sigs)
	}
	store := ocsptest.ReadDSS(t, out)
	if store == nil || len(store.Certs) != 2 || len(store.OCSPs) != 4 || len(store.VRI) != 2 {
		t.Fatalf("store after two signatures: %+v", store)
	}
	if !bytes.Equal(store.Certs[0], pki.SignerEC.Cert.Raw) || !bytes.Equal(store.Certs[1], pki.SignerRSA.Cert.Raw) {
		t.Error("the first signature's certificate was not kept before the second's")
	}
}
