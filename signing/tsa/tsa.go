// Package tsa is an RFC 3161 time-stamp protocol client over HTTP(S)
// (RFC 3161 §3.4). It gives the signature timestamps of PAdES B-T (ETSI
// EN 319 122-1 §5.3) and the document timestamps of B-LTA (ETSI
// EN 319 142-1 §5.4).
//
// Each reply is checked before it is returned (RFC 3161 §2.4.2): the
// PKIStatus, the nonce and message imprint against the request, and the
// token's signature with the TSA certificate it carries. Whether that TSA is
// trusted is the verifier's question, not the client's.
package tsa

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/tls"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"math/big"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/digitorus/timestamp"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/siegel-app/siegel/signing"
	"github.com/siegel-app/siegel/signing/cms"
)

// Errors for errors.Is, besides signing.ErrCancelled and network errors.
var (
	// ErrHTTPStatus: the TSA answered with an HTTP status other than 2xx.
	ErrHTTPStatus = errors.New("HTTP error")
	// ErrRejected: the TSA refused the request (PKIStatus rejection, waiting
	// or a revocation status).
	ErrRejected = errors.New("request rejected")
	// ErrBadResponse: the answer is not a well-formed, correctly signed
	// TimeStampResp.
	ErrBadResponse = errors.New("malformed answer")
	// ErrMismatch: the token is for another request (nonce or message
	// imprint differ), e.g. a replay or a misrouted answer.
	ErrMismatch = errors.New("answer does not match the request")
)

// Client asks one TSA for timestamps. The zero value is not usable: URL
// is required. A Client is safe for concurrent use.
type Client struct {
	URL string
	// HTTP is the client to use; nil means one with a 30 s timeout and
	// TLS 1.2 as the minimum.
	HTTP *http.Client
	// Hash is the message imprint algorithm; SHA-256 when zero.
	Hash crypto.Hash
	// Username and Password, when Username is set, are sent with HTTP
	// basic authentication, as commercial TSAs ask.
	Username, Password string
	// Policy is the TSA policy to request (reqPolicy); none when nil.
	Policy asn1.ObjectIdentifier
}

// maxResponse bounds what is read from a TSA: real replies are a few KiB.
const maxResponse = 1 << 20

var defaultHTTP = sync.OnceValue(func() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	return &http.Client{Timeout: 30 * time.Second, Transport: tr}
})

func (c *Client) hash() crypto.Hash {
	if c.Hash == 0 {
		return crypto.SHA256
	}
	return c.Hash
}

// Timestamp hashes data with c.Hash and returns a TimeStampToken (the DER
// ContentInfo) over it. For a signature timestamp, data is the signature
// value (RFC 3161 Appendix A), so c.Timestamp fits cms.Options.Timestamper.
func (c *Client) Timestamp(ctx context.Context, data []byte) ([]byte, error) {
	h := c.hash()
	if !h.Available() {
		return nil, c.errorf("hash %v: %w", h, signing.ErrUnsupported)
	}
	hh := h.New()
	hh.Write(data)
	return c.TimestampDigest(ctx, hh.Sum(nil))
}

// TimestampDigest is Timestamp for a digest under c.Hash the caller already
// has, e.g. of a PDF's byte ranges for a document timestamp.
func (c *Client) TimestampDigest(ctx context.Context, digest []byte) ([]byte, error) {
	h := c.hash()
	if timestampOID(h) == nil || !h.Available() {
		return nil, c.errorf("hash %v: %w", h, signing.ErrUnsupported)
	}
	if len(digest) != h.Size() {
		return nil, c.errorf("digest has %d bytes, %v has %d", len(digest), h, h.Size())
	}
	// A 64-bit random nonce (RFC 3161 §2.4.1) ties the answer to this
	// request; OpenSSL uses the same size, and some TSAs refuse longer ones.
	var nb [8]byte
	rand.Read(nb[:])
	nb[0] |= 0x01 // never zero
	nonce := new(big.Int).SetBytes(nb[:])
	req := timestamp.Request{
		HashAlgorithm: h,
		HashedMessage: digest,
		Certificates:  true,
		Nonce:         nonce,
		TSAPolicyOID:  c.Policy,
	}
	query, err := req.Marshal()
	if err != nil {
		return nil, c.errorf("encode request: %w", err)
	}
	body, err := c.post(ctx, query)
	if err != nil {
		return nil, err
	}
	return c.check(body, h, digest, nonce)
}

func timestampOID(h crypto.Hash) asn1.ObjectIdentifier {
	switch h {
	case crypto.SHA256, crypto.SHA384, crypto.SHA512:
		return cms.OIDForHash(h)
	}
	return nil
}

// errorf names the TSA in every error. The URL is redacted: it may carry
// credentials.
func (c *Client) errorf(format string, args ...any) error {
	return fmt.Errorf("timestamp from %s: "+format, append([]any{redact(c.URL)}, args...)...)
}

func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return strconv.Quote(raw)
	}
	return u.Redacted()
}

func (c *Client) post(ctx context.Context, query []byte) ([]byte, error) {
	if c.URL == "" {
		return nil, errors.New("timestamp: no TSA URL")
	}
	httpReq, err := http.NewRequestWithContext(ctx, http.MethodPost, c.URL, bytes.NewReader(query))
	if err != nil {
		return nil, c.errorf("%w", err)
	}
	httpReq.Header.Set("Content-Type", "application/timestamp-query")
	httpReq.Header.Set("Accept", "application/timestamp-reply")
	if c.Username != "" {
		httpReq.SetBasicAuth(c.Username, c.Password)
	}
	hc := c.HTTP
	if hc == nil {
		hc = defaultHTTP()
	}
	resp, err := hc.Do(httpReq)
	if err != nil {
		if ctx.Err() != nil {
			return nil, c.errorf("%w: %w", signing.ErrCancelled, ctx.Err())
		}
		// The *url.Error repeats the method and URL; keep its cause only.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
			if ue.Timeout() {
				return nil, c.errorf("no answer in time: %w", err)
			}
		}
		return nil, c.errorf("unreachable: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
	if err != nil {
		if ctx.Err() != nil {
			return nil, c.errorf("%w: %w", signing.ErrCancelled, ctx.Err())
		}
		return nil, c.errorf("read answer: %w", err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, c.errorf("%w %s: %q", ErrHTTPStatus, resp.Status, excerpt(body))
	}
	if len(body) > maxResponse {
		return nil, c.errorf("%w: answer larger than %d bytes", ErrBadResponse, maxResponse)
	}
	mt, _, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if err != nil || mt != "application/timestamp-reply" {
		return nil, c.errorf("%w: content type %q is not application/timestamp-reply", ErrBadResponse, resp.Header.Get("Content-Type"))
	}
	return body, nil
}

// excerpt is the start of an error page, printable, for the message.
func excerpt(body []byte) string {
	s := strings.Map(func(r rune) rune {
		if unicode.IsPrint(r) {
			return r
		}
		return ' '
	}, string(body))
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 120 {
		s = s[:120] + "…"
	}
	return s
}

// check validates a TimeStampResp (RFC 3161 §2.4.2) against the request
// and returns its token.
func (c *Client) check(body []byte, h crypto.Hash, digest []byte, nonce *big.Int) ([]byte, error) {
	status, token, err := parseResponse(body)
	if err != nil {
		return nil, c.errorf("%w: %v", ErrBadResponse, err)
	}
	if status.status != timestamp.Granted && status.status != timestamp.GrantedWithMods {
		return nil, c.errorf("%w: %s", ErrRejected, status)
	}
	if token == nil {
		return nil, c.errorf("%w: status granted but no token", ErrBadResponse)
	}
	// The token is read with cms rather than timestamp.Parse, whose
	// pkcs7 dependency knows no RSA-PSS, which real TSAs use.
	sd, info, err := cms.ParseTimestampToken(token)
	if err != nil {
		return nil, c.errorf("%w: %w", ErrBadResponse, err)
	}
	if info.Nonce == nil || info.Nonce.Cmp(nonce) != 0 {
		return nil, c.errorf("%w: nonce differs", ErrMismatch)
	}
	if info.HashAlgorithm != h || !bytes.Equal(info.HashedMessage, digest) {
		return nil, c.errorf("%w: message imprint differs", ErrMismatch)
	}
	// RFC 3161 §2.4.1: a TSA that cannot use the requested policy rejects.
	if c.Policy != nil && !info.Policy.Equal(c.Policy) {
		return nil, c.errorf("%w: policy %v, requested %v", ErrMismatch, info.Policy, c.Policy)
	}
	// RFC 3161 §2.4.1: with certReq the TSA must include its certificate,
	// so the token can always be checked here.
	if sd.Signer() == nil {
		return nil, c.errorf("%w: token lacks the TSA certificate", ErrBadResponse)
	}
	if !sd.DigestAlgorithm.Available() {
		return nil, c.errorf("%w: token digest algorithm %v", signing.ErrUnsupported, sd.DigestAlgorithmOID)
	}
	th := sd.DigestAlgorithm.New()
	th.Write(sd.Content)
	if err := sd.Verify(th.Sum(nil)); err != nil {
		return nil, c.errorf("%w: token: %w", ErrBadResponse, err)
	}
	return token, nil
}

type pkiStatusInfo struct {
	status   timestamp.Status
	text     []string
	failInfo asn1.BitString
}

// String gives the RFC 3161 §2.4.2 status name, the TSA's text and the
// failure reasons.
func (s pkiStatusInfo) String() string {
	names := []string{"granted", "grantedWithMods", "rejection", "waiting", "revocationWarning", "revocationNotification"}
	msg := "PKIStatus " + strconv.Itoa(int(s.status))
	if s.status >= 0 && int(s.status) < len(names) {
		msg = "PKIStatus " + names[s.status]
	}
	if len(s.text) > 0 {
		msg += fmt.Sprintf(" %q", excerpt([]byte(strings.Join(s.text, "; "))))
	}
	var fails []string
	for bit := 0; bit < s.failInfo.BitLength; bit++ {
		if s.failInfo.At(bit) == 1 {
			fails = append(fails, timestamp.FailureInfo(bit).String())
		}
	}
	if len(fails) > 0 {
		msg += ", failInfo: " + strings.Join(fails, "; ")
	}
	return msg
}

// parseResponse reads TimeStampResp ::= SEQUENCE { status PKIStatusInfo,
// timeStampToken TimeStampToken OPTIONAL } (RFC 3161 §2.4.2). It is done
// here, not by timestamp.ParseResponse, to keep status text and failInfo
// apart for the error message.
func parseResponse(der []byte) (pkiStatusInfo, []byte, error) {
	var st pkiStatusInfo
	in := cryptobyte.String(der)
	var resp, si cryptobyte.String
	if !in.ReadASN1(&resp, cbasn1.SEQUENCE) || !in.Empty() || !resp.ReadASN1(&si, cbasn1.SEQUENCE) {
		return st, nil, errors.New("not a DER TimeStampResp")
	}
	var status int64
	if !si.ReadASN1Integer(&status) {
		return st, nil, errors.New("PKIStatus")
	}
	st.status = timestamp.Status(status)
	if si.PeekASN1Tag(cbasn1.SEQUENCE) {
		var texts cryptobyte.String
		si.ReadASN1(&texts, cbasn1.SEQUENCE)
		for !texts.Empty() {
			var t cryptobyte.String
			if !texts.ReadASN1(&t, cbasn1.UTF8String) {
				return st, nil, errors.New("PKIFreeText")
			}
			st.text = append(st.text, string(t))
		}
	}
	if si.PeekASN1Tag(cbasn1.BIT_STRING) && !si.ReadASN1BitString(&st.failInfo) {
		return st, nil, errors.New("PKIFailureInfo")
	}
	if !si.Empty() {
		return st, nil, errors.New("trailing data in PKIStatusInfo")
	}
	if resp.Empty() {
		return st, nil, nil
	}
	var token cryptobyte.String
	if !resp.ReadASN1Element(&token, cbasn1.SEQUENCE) || !resp.Empty() {
		return st, nil, errors.New("timeStampToken")
	}
	return st, token, nil
}
