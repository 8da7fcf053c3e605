package verify

import (
	"crypto/x509"
	"net/http"
	"time"

	"github.com/siegel-app/siegel/signing/cms"
	"github.com/siegel-app/siegel/signing/revocation"
)

// defaultOnlineTimeout bounds each OCSP or CRL request of Options.Online.
const defaultOnlineTimeout = 15 * time.Second

// revState is what a verification keeps across the signatures of a file:
// the trust anchors, the document security store, the CRL files and the
// answers fetched online.
type revState struct {
	roots  *x509.CertPool
	dss    revData
	dssErr error
	files  [][]byte
	client *revocation.Client
	online map[string]certStatus // by the certificate's and issuer's DER
	own    map[[4]int64]revData  // each signature's own CMS data, by byte range
	crls   map[crlKey]crlResult
	ders   map[*cms.SignedData][]byte // see rememberCMS
}

// state returns the verification's revState, made on first use.
func (v *pdfVerifier) state() *revState {
	if v.rev != nil {
		return v.rev
	}
	st := &revState{online: map[string]certStatus{}, own: map[[4]int64]revData{}, crls: map[crlKey]crlResult{}, ders: map[*cms.SignedData][]byte{}}
	st.roots = anchors(v.opts)
	if v.f != nil {
		st.dss, st.dssErr = readDSS(v.f, v.size)
	}
	st.files = parseCRLFiles(v.opts.CRLs)
	hc := v.opts.HTTPClient
	if hc == nil {
		timeout := v.opts.OnlineTimeout
		if timeout <= 0 {
			timeout = defaultOnlineTimeout
		}
		hc = &http.Client{Timeout: timeout}
	}
	st.client = &revocation.Client{HTTP: hc, Now: func() time.Time { return v.now }}
	v.rev = st
	return st
}

// anchors are Options.Roots (the system's store when nil) with
// Options.ExtraRoots added. Certificates from the file are never added.
func anchors(o Options) *x509.CertPool {
	if len(o.ExtraRoots) == 0 {
		return o.Roots
	}
	var pool *x509.CertPool
	if o.Roots != nil {
		pool = o.Roots.Clone()
	} else {
		sys, err := x509.SystemCertPool()
		if err != nil {
			// Without a system store the given anchors still count.
			sys = x509.NewCertPool()
		}
		pool = sys
	}
	for _, c := range o.ExtraRoots {
		pool.AddCert(c)
	}
	return pool
}

// roots is the pool chains are verified against.
func (v *pdfVerifier) roots() *x509.CertPool { return v.state().roots }

// dssCerts are the certificates of the document security store, offered
// as intermediates (never as anchors): a signer's CMS may lack its
// issuer when a later revision stored it.
func (v *pdfVerifier) dssCerts() []*x509.Certificate { return v.state().dss.certs }
