package verify

import (
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"fmt"
	"io"

	"github.com/digitorus/pdf"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/siegel-app/siegel/signing/cms"
)

// revData is revocation data at hand: DER OCSPResponses and CRLs, and
// certificates that may complete a chain.
type revData struct {
	ocsps, crls [][]byte
	certs       []*x509.Certificate
}

func (d *revData) add(o revData) {
	d.ocsps = append(d.ocsps, o.ocsps...)
	d.crls = append(d.crls, o.crls...)
	d.certs = append(d.certs, o.certs...)
}

// Bounds on what is read from a file's revocation data.
const (
	maxRevItems = 1000     // entries of each /DSS array
	maxRevItem  = 64 << 20 // bytes of one entry (large CAs' CRLs)
	maxRevTotal = 256 << 20
)

var (
	// oidRIOCSPResponse is id-ri-ocsp-response (RFC 5940 §4.1): an
	// OCSPResponse among a CMS's RevocationInfoChoices.
	oidRIOCSPResponse = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 16, 2}
	// oidAdbeRevocationInfoArchival is Adobe's signed attribute with CRLs
	// and OCSP responses (ISO 32000-1 §12.8.3.3.2).
	oidAdbeRevocationInfoArchival = asn1.ObjectIdentifier{1, 2, 840, 113583, 1, 1, 8}
)

// cmsRevocationInfo reads the crls field of a SignedData (RFC 5652 §10.2.1,
// RevocationInfoChoices): CertificateLists, and OCSP responses in the
// other-revocation-info format id-ri-ocsp-response (RFC 5940). package
// cms skips the field, so the DER is walked here. Anything unreadable is
// left out: revocation data is evidence to look for, not a format rule.
func cmsRevocationInfo(der []byte) revData {
	var out revData
	in := cryptobyte.String(der)
	var ci, explicit, sd, skip cryptobyte.String
	var ct asn1.ObjectIdentifier
	var version int64
	if !in.ReadASN1(&ci, cbasn1.SEQUENCE) || !ci.ReadASN1ObjectIdentifier(&ct) ||
		!ci.ReadASN1(&explicit, cbasn1.Tag(0).Constructed().ContextSpecific()) ||
		!explicit.ReadASN1(&sd, cbasn1.SEQUENCE) ||
		!sd.ReadASN1Integer(&version) || !sd.ReadASN1(&skip, cbasn1.SET) || !sd.ReadASN1(&skip, cbasn1.SEQUENCE) ||
		!sd.SkipOptionalASN1(cbasn1.Tag(0).Constructed().ContextSpecific()) {
		return out
	}
	var crls cryptobyte.String
	var present bool
	if !sd.ReadOptionalASN1(&crls, &present, cbasn1.Tag(1).Constructed().ContextSpecific()) || !present {
		return out
	}
	for !crls.Empty() && len(out.crls)+len(out.ocsps) < maxRevItems {
		var el cryptobyte.String
		var tag cbasn1.Tag
		if !crls.ReadAnyASN1Element(&el, &tag) {
			break
		}
		switch tag {
		case cbasn1.SEQUENCE:
			out.crls = append(out.crls, []byte(el))
		case cbasn1.Tag(1).Constructed().ContextSpecific(): // [1] IMPLICIT OtherRevocationInfoFormat
			var body cryptobyte.String
			var format asn1.ObjectIdentifier
			var info cryptobyte.String
			if el.ReadASN1(&body, tag) && body.ReadASN1ObjectIdentifier(&format) &&
				format.Equal(oidRIOCSPResponse) && body.ReadAnyASN1Element(&info, nil) {
				out.ocsps = append(out.ocsps, []byte(info))
			}
		}
	}
	return out
}

// adbeRevocationInfo reads the adbe-revocationInfoArchival signed
// attribute (ISO 32000-1 §12.8.3.3.2): RevocationInfoArchival ::=
// SEQUENCE { crl [0] EXPLICIT SEQUENCE OF CRLs OPTIONAL, ocsp [1]
// EXPLICIT SEQUENCE OF OCSPResponse OPTIONAL, otherRevInfo [2] ... }.
func adbeRevocationInfo(sd *cms.SignedData) revData {
	var out revData
	a := sd.SignedAttribute(oidAdbeRevocationInfoArchival)
	if a == nil || len(a.Values) == 0 {
		return out
	}
	in := cryptobyte.String(a.Values[0])
	var seq cryptobyte.String
	if !in.ReadASN1(&seq, cbasn1.SEQUENCE) {
		return out
	}
	for _, part := range []struct {
		tag cbasn1.Tag
		to  *[][]byte
	}{{cbasn1.Tag(0).Constructed().ContextSpecific(), &out.crls}, {cbasn1.Tag(1).Constructed().ContextSpecific(), &out.ocsps}} {
		var explicit, list cryptobyte.String
		var present bool
		if !seq.ReadOptionalASN1(&explicit, &present, part.tag) {
			return out
		}
		if !present || !explicit.ReadASN1(&list, cbasn1.SEQUENCE) {
			continue
		}
		for !list.Empty() && len(*part.to) < maxRevItems {
			var el cryptobyte.String
			if !list.ReadASN1Element(&el, cbasn1.SEQUENCE) {
				break
			}
			*part.to = append(*part.to, []byte(el))
		}
	}
	return out
}

// signatureRevocationInfo is the revocation data a CMS carries for
// itself: its crls field, the adbe-revocationInfoArchival attribute, and
// the crls field of its signature timestamp token.
func signatureRevocationInfo(der []byte, sd *cms.SignedData) revData {
	out := cmsRevocationInfo(der)
	if sd == nil {
		return out
	}
	out.add(adbeRevocationInfo(sd))
	out.certs = append(out.certs, sd.Certificates...)
	if sd.TimestampToken != nil {
		out.add(cmsRevocationInfo(sd.TimestampToken))
	}
	return out
}

// readDSS reads the document security store (ISO 32000-2 §12.8.4.3, ETSI
// EN 319 142-1 §5.4.2) of the PDF in the first size bytes of f: the
// streams of /Certs, /OCSPs and /CRLs. The /VRI entries only say which
// signature the data was gathered for; every entry is checked against the
// certificate it answers for, so all are used. A damaged store gives what
// could be read and the reason.
func readDSS(f io.ReaderAt, size int64) (out revData, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("the document security store cannot be read: %v", r)
		}
	}()
	r, err := pdf.NewReader(f, size)
	if err != nil {
		return out, fmt.Errorf("the document security store cannot be read: %w", err)
	}
	dss := r.Trailer().Key("Root").Key("DSS")
	if dss.Kind() != pdf.Dict {
		return out, nil
	}
	total := 0
	read := func(key string) [][]byte {
		arr := dss.Key(key)
		var items [][]byte
		for i := 0; i < arr.Len() && i < maxRevItems; i++ {
			s := arr.Index(i)
			if s.Kind() != pdf.Stream {
				continue
			}
			rc := s.Reader()
			data, rerr := io.ReadAll(io.LimitReader(rc, maxRevItem+1))
			rc.Close()
			if rerr != nil || len(data) > maxRevItem || total+len(data) > maxRevTotal {
				continue
			}
			total += len(data)
			items = append(items, data)
		}
		return items
	}
	out.ocsps = read("OCSPs")
	out.crls = read("CRLs")
	for _, der := range read("Certs") {
		if c, err := x509.ParseCertificate(der); err == nil {
			out.certs = append(out.certs, c)
		}
	}
	return out, nil
}

// parseCRLFiles reads CRLs given by the user: DER, or PEM with one or
// more "X509 CRL" blocks.
func parseCRLFiles(files [][]byte) [][]byte {
	var out [][]byte
	for _, b := range files {
		rest := b
		found := false
		for {
			var blk *pem.Block
			blk, rest = pem.Decode(rest)
			if blk == nil {
				break
			}
			if blk.Type == "X509 CRL" || blk.Type == "CRL" {
				out = append(out, blk.Bytes)
				found = true
			}
		}
		if !found {
			out = append(out, b)
		}
	}
	return out
}
