package verify

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"io"
	"net/url"
	"path"
	"sort"
	"strings"

	"github.com/siegel-app/siegel/signing/cms"
	"github.com/siegel-app/siegel/signing/xmldsig"
)

// Namespaces of EN 319 162-1 and XMLDSig.
const (
	asicNS = "http://uri.etsi.org/02918/v1.2.1#"
	dsNS   = "http://www.w3.org/2000/09/xmldsig#"
)

// asicManifest is an ASiCManifest (EN 319 162-1 §A.4, Annex A.7 schema):
// the signature file it is signed by, and the files with their digests.
type asicManifest struct {
	XMLName xml.Name
	SigRefs []struct {
		URI string `xml:"URI,attr"`
	} `xml:"http://uri.etsi.org/02918/v1.2.1# SigReference"`
	Refs []struct {
		URI          string `xml:"URI,attr"`
		DigestMethod struct {
			Algorithm string `xml:"Algorithm,attr"`
		} `xml:"http://www.w3.org/2000/09/xmldsig# DigestMethod"`
		DigestValue string `xml:"http://www.w3.org/2000/09/xmldsig# DigestValue"`
	} `xml:"http://uri.etsi.org/02918/v1.2.1# DataObjectReference"`
}

// containerName turns a reference URI into the name of a container entry:
// percent-decoded, relative to the container's root (EN 319 162-1 §A.4,
// §A.5). ok is false for a URI that is no plain relative path.
func containerName(uri string) (string, bool) {
	if uri == "" || strings.HasPrefix(uri, "#") || strings.ContainsAny(uri, "?#") {
		return "", false
	}
	if u, err := url.Parse(uri); err != nil || u.Scheme != "" || u.Host != "" {
		return "", false
	}
	name, err := url.PathUnescape(uri)
	if err != nil {
		return "", false
	}
	name = strings.TrimPrefix(name, "./")
	if checkEntryName(name) != nil || strings.HasSuffix(name, "/") {
		return "", false
	}
	return path.Clean(name), true
}

// asicManifests reads the META-INF/ASiCManifest*.xml files, once; one
// that cannot be parsed is left out with its error.
func (c *container) asicManifests() (map[string]*asicManifest, map[string]error) {
	if c.manifests != nil {
		return c.manifests, c.badMan
	}
	ok, bad := map[string]*asicManifest{}, map[string]error{}
	c.manifests, c.badMan = ok, bad
	for name := range c.entries {
		dir, base := path.Split(name)
		if dir != "META-INF/" || !strings.HasPrefix(base, "ASiCManifest") || !strings.EqualFold(path.Ext(base), ".xml") {
			continue
		}
		b, err := c.read(name, maxASiCMeta)
		if err == nil {
			err = xmldsig.CheckDepth(b, xmldsig.MaxDepth)
		}
		var m asicManifest
		if err == nil {
			err = xml.Unmarshal(b, &m)
		}
		if err == nil && (m.XMLName.Space != asicNS || m.XMLName.Local != "ASiCManifest") {
			err = fmt.Errorf("the root element is %s %s, not ASiCManifest", m.XMLName.Space, m.XMLName.Local)
		}
		if err != nil {
			bad[name] = err
			continue
		}
		ok[name] = &m
	}
	return ok, bad
}

// asicCAdES checks a CAdES signature file of the container (EN 319 162-1
// §4.4.3, §A.4): a detached CMS over the ASiCManifest whose SigReference
// names it, then the digest of every file that manifest lists.
func (v *pdfVerifier) asicCAdES(c *container, name string) Signature {
	s := Signature{Field: name, Indication: TotalPassed, Coverage: Partial, Modifications: Modifications{Kind: ModNone}, Level: "CAdES"}
	der, err := c.read(name, maxASiCMeta)
	if err != nil {
		s.set(TotalFailed, FormatFailure, tf("The signature file cannot be read: %v.", err))
		return s
	}
	sd, err := cms.Parse(der)
	if err != nil {
		s.set(TotalFailed, FormatFailure, tf("The signature value cannot be read: %v.", err))
		return s
	}
	s.Signer = signerOf(sd.Signer())
	manifests, bad := c.asicManifests()
	var found []string
	for mname, m := range manifests {
		for _, r := range m.SigRefs {
			if n, ok := containerName(r.URI); ok && n == name {
				found = append(found, mname)
			}
		}
	}
	sort.Strings(found)
	if len(found) != 1 {
		why := []Text{tf("%d ASiCManifest files name it in their SigReference, where one must", len(found))}
		for mname, err := range bad {
			why = append(why, tf("%s cannot be read: %v", mname, err))
		}
		s.set(TotalFailed, FormatFailure, tf("The signature's manifest is not found: %s.", why))
		return s
	}
	mname := found[0]
	m := manifests[mname]
	mbytes, err := c.read(mname, maxASiCMeta)
	if err != nil {
		s.set(TotalFailed, FormatFailure, tf("The manifest cannot be read: %v.", err))
		return s
	}
	got, _ := v.detachedCMS(der, sd, func(w io.Writer) error { _, err := w.Write(mbytes); return err })
	got.Field = name
	if got.SubIndication == HashFailure {
		got.replaceLast(tf("The signature is not over the manifest %s: its digest is not the one signed.", mname))
	}
	s = got
	s.Coverage = Partial
	if !s.Intact {
		s.Qualified = QUnknown
		return s
	}
	covers := map[string]bool{}
	for _, r := range m.Refs {
		fname, ok := containerName(r.URI)
		if !ok {
			s.set(TotalFailed, FormatFailure, tf("The manifest references %q, which is not a file of the container.", truncate(r.URI, 80)))
			continue
		}
		checkFileDigest(c, &s, fname, r.DigestMethod.Algorithm, r.DigestValue, covers)
	}
	if len(m.Refs) == 0 {
		s.set(TotalFailed, FormatFailure, tf("The manifest references no file."))
	}
	c.setCoverage(&s, covers)
	if !s.Intact || s.failed() {
		s.Qualified = QUnknown
	}
	return s
}

// checkFileDigest compares a container file's digest with a signed one;
// a data file that matches is added to covers. A mismatch or a missing
// file fails the signature and clears Intact.
func checkFileDigest(c *container, s *Signature, fname, alg, value string, covers map[string]bool) {
	h, ok := xmldsig.DigestAlgorithms[alg]
	if !ok {
		s.Intact = false
		s.set(Indeterminate, CryptoConstraintsFailure, tf("The digest method %q for %s is not supported.", truncate(alg, 80), fname))
		return
	}
	want, err := base64.StdEncoding.DecodeString(xmldsig.StripSpace(value))
	if err != nil {
		s.Intact = false
		s.set(TotalFailed, FormatFailure, tf("The digest value for %s cannot be read: %v.", fname, err))
		return
	}
	if _, in := c.entries[fname]; !in {
		s.Intact = false
		s.set(TotalFailed, FormatFailure, tf("The signed file %s is missing from the container.", fname))
		return
	}
	got, err := c.digest(fname, h)
	if err != nil {
		s.Intact = false
		s.set(TotalFailed, FormatFailure, tf("The signed file cannot be read: %v.", err))
		return
	}
	if !bytes.Equal(got, want) {
		s.Intact = false
		s.set(TotalFailed, HashFailure, tf("The file %s was changed: its digest is not the one signed.", fname))
		return
	}
	if c.isData(fname) {
		covers[fname] = true
	}
}
