// Package tsatest runs an RFC 3161 time-stamping authority on 127.0.0.1 for
// tests: the HTTP transport of RFC 3161 §3.4 in front of
// github.com/digitorus/timestamp, signing with the test PKI's TSA key. Its
// tokens verify with `openssl ts -verify`. Modes make it misbehave in the
// ways a client must survive.
package tsatest

import (
	"crypto"
	"crypto/rand"
	"encoding/asn1"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/digitorus/timestamp"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/siegel-app/siegel/internal/testpki"
)

// Policy is the TSA policy OID written into every token (a private arc).
var Policy = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 99999, 1}

// Mode is how the server answers.
type Mode int32

const (
	// Normal grants every well-formed request.
	Normal Mode = iota
	// Garbage answers 200 with the right content type and random bytes.
	Garbage
	// HTTPError answers 500.
	HTTPError
	// Reject answers with PKIStatus rejection and failInfo systemFailure.
	Reject
	// WrongNonce grants a token whose nonce differs from the request's.
	WrongNonce
	// WrongImprint grants a token over a different message imprint.
	WrongImprint
	// Stall never answers; the handler returns when the client gives up
	// or the server closes, for cancellation tests.
	Stall
)

// Server is a running test TSA.
type Server struct {
	// URL is the TSA's address, http://127.0.0.1:port/.
	URL string
	// Requests counts the requests received, whatever the mode.
	Requests atomic.Int64

	pki  *testpki.PKI
	mode atomic.Int32
	srv  *httptest.Server
	done chan struct{}
	once sync.Once
}

// New starts a TSA signing with p.TSA and closes it on t.Cleanup.
func New(t testing.TB, p *testpki.PKI) *Server {
	t.Helper()
	// Listen explicitly on the loopback address: httptest.NewServer would
	// honour -httptest.serve and fall back to [::1].
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("tsatest: listen on 127.0.0.1: %v", err)
	}
	s := &Server{pki: p, done: make(chan struct{})}
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	s.srv.Listener.Close()
	s.srv.Listener = l
	s.srv.Start()
	s.URL = s.srv.URL + "/"
	t.Cleanup(s.Close)
	return s
}

// SetMode changes how the following requests are answered.
func (s *Server) SetMode(m Mode) { s.mode.Store(int32(m)) }

// Close stops the server; stalled requests are released first.
func (s *Server) Close() {
	s.once.Do(func() {
		close(s.done)
		s.srv.Close()
	})
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.Requests.Add(1)
	if r.Method != http.MethodPost {
		http.Error(w, "POST a timestamp query", http.StatusMethodNotAllowed)
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/timestamp-query" {
		http.Error(w, "content type "+ct+" is not application/timestamp-query", http.StatusUnsupportedMediaType)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	if err != nil {
		http.Error(w, "read request", http.StatusBadRequest)
		return
	}

	mode := Mode(s.mode.Load())
	switch mode {
	case Garbage:
		junk := make([]byte, 200)
		rand.Read(junk)
		reply(w, junk)
		return
	case HTTPError:
		http.Error(w, "test TSA: internal error", http.StatusInternalServerError)
		return
	case Reject:
		reply(w, rejection(2, "test TSA rejects the request", 25))
		return
	case Stall:
		select {
		case <-r.Context().Done():
		case <-s.done:
		}
		return
	}

	req, err := timestamp.ParseRequest(body)
	if err != nil {
		reply(w, rejection(2, "bad request: "+err.Error(), 5)) // badDataFormat
		return
	}
	ts := timestamp.Timestamp{
		HashAlgorithm:     req.HashAlgorithm,
		HashedMessage:     req.HashedMessage,
		Time:              time.Now().UTC().Truncate(time.Second),
		Accuracy:          time.Second,
		Policy:            Policy,
		Nonce:             req.Nonce,
		AddTSACertificate: req.Certificates,
		// The chain above the TSA certificate, added after it when the
		// client asks for certificates.
		Certificates: s.pki.Chain(s.pki.TSA)[1:],
	}
	switch mode {
	case WrongNonce:
		if ts.Nonce == nil {
			ts.Nonce = big.NewInt(0)
		}
		ts.Nonce = new(big.Int).Add(ts.Nonce, big.NewInt(1))
	case WrongImprint:
		ts.HashedMessage = append([]byte(nil), req.HashedMessage...)
		ts.HashedMessage[0] ^= 0xff
	}
	resp, err := ts.CreateResponseWithOpts(s.pki.TSA.Cert, s.pki.TSA.Key, crypto.SHA256)
	if err != nil {
		reply(w, rejection(2, "sign: "+err.Error(), 25)) // systemFailure
		return
	}
	reply(w, resp)
}

func reply(w http.ResponseWriter, body []byte) {
	w.Header().Set("Content-Type", "application/timestamp-reply")
	w.Write(body)
}

// rejection encodes a TimeStampResp without a token (RFC 3161 §2.4.2)
// with a status text, which timestamp.CreateErrorResponse does not write.
func rejection(status int64, text string, failBit int) []byte {
	// PKIFailureInfo is a named-bit BIT STRING: DER ends it at the last set
	// bit.
	fail := make([]byte, failBit/8+1)
	fail[failBit/8] = 0x80 >> (failBit % 8)
	unused := byte(7 - failBit%8)
	b := cryptobyte.NewBuilder(nil)
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1Int64(status)
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.UTF8String, func(b *cryptobyte.Builder) { b.AddBytes([]byte(text)) })
			})
			b.AddASN1(cbasn1.BIT_STRING, func(b *cryptobyte.Builder) {
				b.AddUint8(unused)
				b.AddBytes(fail)
			})
		})
	})
	return b.BytesOrPanic() // fixed shapes: cannot fail
}
