// Package csc is a client of the Cloud Signature Consortium API (CSC API
// v2.0.0.2, and v1.0.4.0 services when their info says specs 1.x): remote
// keys at a trust service provider, reached over HTTPS with TLS 1.2 or newer.
//
// The flow is the specification's: info; a service access token from
// oauth2/token (client credentials, or authorization code with PKCE S256
// through a loopback redirect on 127.0.0.1, or a refresh token);
// credentials/list and credentials/info; credentials/authorize with the
// credential's PIN and/or OTP (authData), which returns the Signature
// Activation Data (SAD), bound to the hashes for SCAL 2; and
// signatures/signHash. Key wraps one credential as a signing.Key.
//
// Errors from the service keep its JSON error and error_description and the
// HTTP status (ServiceError); wrong PIN or OTP unwrap to
// signing.ErrPINIncorrect and are never retried. Secrets (client secret,
// PIN, OTP, tokens, SAD) never reach a log.
package csc
