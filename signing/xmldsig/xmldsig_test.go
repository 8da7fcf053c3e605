package xmldsig

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/asn1"
	"math/big"
	"strings"
	"testing"

	"github.com/beevik/etree"
)

// TestECDSADER: an r||s value (XMLDSig 1.1) verifies after conversion;
// an ASN.1 value is kept as it is.
func TestECDSADER(t *testing.T) {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	d := sha256.Sum256([]byte("signed info"))
	der, err := ecdsa.SignASN1(rand.Reader, k, d[:])
	if err != nil {
		t.Fatal(err)
	}
	var rs struct{ R, S *big.Int }
	asn1.Unmarshal(der, &rs)
	raw := make([]byte, 64)
	rs.R.FillBytes(raw[:32])
	rs.S.FillBytes(raw[32:])
	if !ecdsa.VerifyASN1(&k.PublicKey, d[:], ECDSADER(raw)) {
		t.Error("r||s value does not verify after conversion")
	}
	if got := ECDSADER(der); string(got) != string(der) {
		t.Error("an ASN.1 value was changed")
	}
}

// TestElementByID: a duplicated Id (signature wrapping) is refused.
func TestElementByID(t *testing.T) {
	doc := etree.NewDocument()
	if err := doc.ReadFromString(`<a><b Id="x"/><c><b Id="y"/></c></a>`); err != nil {
		t.Fatal(err)
	}
	if e, err := ElementByID(doc.Root(), "y"); err != nil || e.Parent().Tag != "c" {
		t.Errorf("y: %v, %v", e, err)
	}
	dup := etree.NewDocument()
	if err := dup.ReadFromString(`<a><b Id="x"/><c><b Id="x"/></c></a>`); err != nil {
		t.Fatal(err)
	}
	if _, err := ElementByID(dup.Root(), "x"); err == nil {
		t.Error("duplicate Id accepted")
	}
}

// TestCheckDepth: nesting beyond the limit is refused before any tree
// code recurses into it.
func TestCheckDepth(t *testing.T) {
	deep := strings.Repeat("<a>", MaxDepth+1) + strings.Repeat("</a>", MaxDepth+1)
	if err := CheckDepth([]byte(deep), MaxDepth); err == nil {
		t.Error("too deep a document accepted")
	}
	if err := CheckDepth([]byte("<a><b/></a>"), MaxDepth); err != nil {
		t.Error(err)
	}
}
