package tsa_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/asn1"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/siegel-app/siegel/internal/testpki"
	"github.com/siegel-app/siegel/internal/tsatest"
	"github.com/siegel-app/siegel/signing"
	"github.com/siegel-app/siegel/signing/cms"
	"github.com/siegel-app/siegel/signing/tsa"
)

func TestTimestamp(t *testing.T) {
	p := testpki.MustShared(t)
	s := tsatest.New(t, p)
	data := []byte("a signature value")

	tests := []struct {
		name string
		hash crypto.Hash
		sum  []byte
	}{
		{"default SHA-256", 0, sha256Sum(data)},
		{"SHA-512", crypto.SHA512, sha512Sum(data)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &tsa.Client{URL: s.URL, Hash: tt.hash}
			before := time.Now().Add(-time.Second)
			tok, err := c.Timestamp(context.Background(), data)
			if err != nil {
				t.Fatal(err)
			}
			sd, info, err := cms.ParseTimestampToken(tok)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(info.HashedMessage, tt.sum) {
				t.Errorf("imprint %x, want %x", info.HashedMessage, tt.sum)
			}
			if !info.Policy.Equal(tsatest.Policy) {
				t.Errorf("policy %v, want %v", info.Policy, tsatest.Policy)
			}
			if info.GenTime.Before(before.Truncate(time.Second)) || info.GenTime.After(time.Now()) {
				t.Errorf("genTime %v is not now", info.GenTime)
			}
			if got := sd.Signer(); got == nil || !got.Equal(p.TSA.Cert) {
				t.Errorf("token signer %v, want the TSA certificate", got)
			}
			// TimestampDigest with the same digest gives a token over it too.
			tok2, err := c.TimestampDigest(context.Background(), tt.sum)
			if err != nil {
				t.Fatal(err)
			}
			if _, info2, err := cms.ParseTimestampToken(tok2); err != nil || !bytes.Equal(info2.HashedMessage, tt.sum) {
				t.Errorf("TimestampDigest: %v", err)
			}
		})
	}
}

func TestTimestampErrors(t *testing.T) {
	p := testpki.MustShared(t)
	s := tsatest.New(t, p)

	tests := []struct {
		mode     tsatest.Mode
		wantErr  error
		wantText string
	}{
		{tsatest.Garbage, tsa.ErrBadResponse, "malformed"},
		{tsatest.HTTPError, tsa.ErrHTTPStatus, "500 Internal Server Error: \"test TSA: internal error\""},
		{tsatest.Reject, tsa.ErrRejected, "test TSA rejects the request"},
		{tsatest.WrongNonce, tsa.ErrMismatch, "nonce"},
		{tsatest.WrongImprint, tsa.ErrMismatch, "imprint"},
	}
	for _, tt := range tests {
		t.Run(tt.wantText, func(t *testing.T) {
			s.SetMode(tt.mode)
			_, err := (&tsa.Client{URL: s.URL}).Timestamp(context.Background(), []byte("x"))
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			for _, want := range []string{s.URL, tt.wantText} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not mention %q", err, want)
				}
			}
		})
	}
	s.SetMode(tsatest.Normal)
}

func TestPolicy(t *testing.T) {
	s := tsatest.New(t, testpki.MustShared(t))
	tests := []struct {
		name    string
		policy  asn1.ObjectIdentifier
		wantErr error
	}{
		{"the TSA's policy", tsatest.Policy, nil},
		{"another policy", asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 99999, 7}, tsa.ErrMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := (&tsa.Client{URL: s.URL, Policy: tt.policy}).Timestamp(context.Background(), []byte("x"))
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("err = %v, want %v", err, tt.wantErr)
			}
		})
	}
}

func TestUnreachable(t *testing.T) {
	// A port that was just open and is now closed: nothing listens.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + l.Addr().String() + "/tsa"
	l.Close()

	_, err = (&tsa.Client{URL: url}).Timestamp(context.Background(), []byte("x"))
	if err == nil {
		t.Fatal("no error from a closed port")
	}
	var op *net.OpError
	if !errors.As(err, &op) || !strings.Contains(err.Error(), url) || !strings.Contains(err.Error(), "unreachable") {
		t.Errorf("err = %v, want an unreachable error naming %s", err, url)
	}
}

func TestCancel(t *testing.T) {
	p := testpki.MustShared(t)
	s := tsatest.New(t, p)
	s.SetMode(tsatest.Stall)

	t.Run("while waiting", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(100*time.Millisecond, cancel)
		start := time.Now()
		_, err := (&tsa.Client{URL: s.URL}).Timestamp(ctx, []byte("x"))
		if !errors.Is(err, signing.ErrCancelled) || !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want ErrCancelled and context.Canceled", err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("cancel took %v", d)
		}
	})
	t.Run("before", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		n := s.Requests.Load()
		_, err := (&tsa.Client{URL: s.URL}).Timestamp(ctx, []byte("x"))
		if !errors.Is(err, signing.ErrCancelled) {
			t.Errorf("err = %v, want ErrCancelled", err)
		}
		if s.Requests.Load() != n {
			t.Error("a request was sent after cancel")
		}
	})
	t.Run("client timeout", func(t *testing.T) {
		c := &tsa.Client{URL: s.URL, HTTP: &http.Client{Timeout: 100 * time.Millisecond}}
		_, err := c.Timestamp(context.Background(), []byte("x"))
		if err == nil || errors.Is(err, signing.ErrCancelled) || !strings.Contains(err.Error(), s.URL) ||
			!strings.Contains(err.Error(), "no answer in time") {
			t.Errorf("err = %v, want a timeout naming the TSA", err)
		}
	})
}

func TestBadInput(t *testing.T) {
	tests := []struct {
		name    string
		c       tsa.Client
		digest  []byte
		wantErr error
	}{
		{"SHA-1", tsa.Client{URL: "http://127.0.0.1:1/", Hash: crypto.SHA1}, make([]byte, 20), signing.ErrUnsupported},
		{"short digest", tsa.Client{URL: "http://127.0.0.1:1/"}, make([]byte, 20), nil},
		{"no URL", tsa.Client{}, make([]byte, 32), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.c.TimestampDigest(context.Background(), tt.digest)
			if err == nil || (tt.wantErr != nil && !errors.Is(err, tt.wantErr)) {
				t.Errorf("err = %v, want %v", err, tt.wantErr)
			}
		})
	}
}

func TestCredentialsNotInErrors(t *testing.T) {
	p := testpki.MustShared(t)
	s := tsatest.New(t, p)
	s.SetMode(tsatest.HTTPError)
	url := strings.Replace(s.URL, "http://", "http://user:s3cret@", 1)
	_, err := (&tsa.Client{URL: url}).Timestamp(context.Background(), []byte("x"))
	if err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("err = %v, want an error without the password", err)
	}
}

func sha256Sum(b []byte) []byte { s := sha256.Sum256(b); return s[:] }
func sha512Sum(b []byte) []byte { s := sha512.Sum512(b); return s[:] }
