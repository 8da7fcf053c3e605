package csc

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// maxResponse bounds a reply: a chain of certificates or a batch of
// signatures fits easily; a runaway body is not read into memory.
const maxResponse = 8 << 20

// DefaultTimeout bounds each request when Client.Timeout is zero.
const DefaultTimeout = 60 * time.Second

// Client talks to one CSC service. Set BaseURL (".../csc/v2" or
// ".../csc/v1") and optionally HTTPClient and Logger; the zero values of
// the others are usable. A Client is safe for concurrent use.
type Client struct {
	// BaseURL is the service's base URI, https only.
	BaseURL string
	// HTTPClient carries the requests; nil means one with the default
	// transport. Its transport must be an *http.Transport: it is cloned and
	// held to TLS 1.2 or newer. Certificates are checked against its
	// RootCAs, or the system roots (SSL_CERT_FILE honoured); there is no way
	// to turn checking off.
	HTTPClient *http.Client
	// Logger receives Debug records of the methods called; nil discards
	// them. Never a secret, token or SAD.
	Logger *slog.Logger
	// Timeout bounds each request; zero means DefaultTimeout.
	Timeout time.Duration

	once    sync.Once
	httpc   *http.Client
	httpErr error

	mu    sync.Mutex
	token Token
	info  *Info
}

// SetToken makes t the service access token of later requests (for a token
// the caller obtained or kept, e.g. from an OS secret store).
func (c *Client) SetToken(t Token) {
	c.mu.Lock()
	c.token = t
	c.mu.Unlock()
}

// Token returns the current service access token.
func (c *Client) Token() Token {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.token
}

func (c *Client) log() *slog.Logger {
	if c.Logger != nil {
		return c.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// client builds the HTTP client once: the caller's, with a cloned
// transport that refuses anything below TLS 1.2.
func (c *Client) client() (*http.Client, error) {
	c.once.Do(func() {
		base := c.HTTPClient
		if base == nil {
			base = &http.Client{}
		}
		var tr *http.Transport
		switch t := base.Transport.(type) {
		case nil:
			tr = http.DefaultTransport.(*http.Transport).Clone()
		case *http.Transport:
			tr = t.Clone()
		default:
			c.httpErr = fmt.Errorf("csc: HTTP transport %T cannot be held to TLS 1.2; use an *http.Transport", t)
			return
		}
		if tr.TLSClientConfig == nil {
			tr.TLSClientConfig = &tls.Config{}
		}
		if tr.TLSClientConfig.MinVersion < tls.VersionTLS12 {
			tr.TLSClientConfig.MinVersion = tls.VersionTLS12
		}
		tr.TLSClientConfig.InsecureSkipVerify = false
		hc := *base
		hc.Transport = tr
		timeout := c.Timeout
		if timeout == 0 {
			timeout = DefaultTimeout
		}
		hc.Timeout = timeout
		// API calls are never redirected: a redirect could carry a
		// bearer token or SAD to another host.
		hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		c.httpc = &hc
	})
	return c.httpc, c.httpErr
}

// endpoint is BaseURL joined with an API method name.
func (c *Client) endpoint(method string) (string, error) {
	u, err := url.Parse(strings.TrimRight(c.BaseURL, "/"))
	if err != nil {
		return "", fmt.Errorf("csc: base URL %q: %w", c.BaseURL, err)
	}
	if u.Scheme != "https" {
		return "", fmt.Errorf("csc: base URL %q: only https is allowed", c.BaseURL)
	}
	return u.String() + "/" + method, nil
}

// call POSTs body (JSON, or nil for "{}") to method with the bearer token
// and decodes the JSON reply into out.
func (c *Client) call(ctx context.Context, method string, body []byte, out any) error {
	return c.callWith(ctx, method, body, c.Token().AccessToken, out)
}

func (c *Client) callWith(ctx context.Context, method string, body []byte, bearer string, out any) error {
	u, err := c.endpoint(method)
	if err != nil {
		return err
	}
	if body == nil {
		body = []byte("{}")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("csc %s: %w", method, err)
	}
	req.Header.Set("Content-Type", "application/json")
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	return c.do(req, method, out)
}

// do sends req and decodes a JSON reply or the service's error.
func (c *Client) do(req *http.Request, method string, out any) error {
	hc, err := c.client()
	if err != nil {
		return err
	}
	c.log().Debug("csc request", "method", method, "host", req.URL.Host)
	resp, err := hc.Do(req)
	if err != nil {
		if ctxErr := req.Context().Err(); ctxErr != nil {
			return fmt.Errorf("csc %s: %w", method, ctxErr)
		}
		return fmt.Errorf("csc %s: %w", method, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
	if err != nil {
		if ctxErr := req.Context().Err(); ctxErr != nil {
			return fmt.Errorf("csc %s: read reply: %w", method, ctxErr)
		}
		return fmt.Errorf("csc %s: read reply: %w", method, err)
	}
	if len(data) > maxResponse {
		return fmt.Errorf("csc %s: reply larger than %d bytes", method, maxResponse)
	}
	c.log().Debug("csc reply", "method", method, "status", resp.StatusCode)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		se := &ServiceError{Method: method, Status: resp.StatusCode}
		var e struct {
			Error       string `json:"error"`
			Description string `json:"error_description"`
		}
		if json.Unmarshal(data, &e) == nil {
			se.Code, se.Description = e.Error, e.Description
		}
		if se.Code == "" && se.Description == "" {
			se.Description = http.StatusText(resp.StatusCode)
		}
		return se
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("csc %s: malformed JSON reply (HTTP %d): %w", method, resp.StatusCode, err)
	}
	return nil
}

// errMissing reports a reply without a required field.
func errMissing(method, field string) error {
	return fmt.Errorf("csc %s: reply has no %s", method, field)
}
