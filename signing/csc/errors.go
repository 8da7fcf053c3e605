package csc

import (
	"errors"
	"fmt"
	"strings"

	"github.com/siegel-app/siegel/signing"
)

var (
	// ErrTokenExpired: the service access token expired or was revoked
	// (RFC 6750 invalid_token); a new one is needed.
	ErrTokenExpired = errors.New("access token expired")
	// ErrSADExpired: the Signature Activation Data expired before use;
	// authorize again.
	ErrSADExpired = errors.New("signature activation data expired")
)

// ServiceError is an error reply of the service: its JSON error and
// error_description (CSC API v2 §10.1) with the HTTP status.
type ServiceError struct {
	Method      string // API method, e.g. "credentials/authorize"
	Status      int    // HTTP status
	Code        string // "error", e.g. "invalid_request"
	Description string // "error_description", the service's own words
}

func (e *ServiceError) Error() string {
	msg := fmt.Sprintf("csc %s: service error %s", e.Method, e.Code)
	if e.Code == "" {
		msg = fmt.Sprintf("csc %s: service error", e.Method)
	}
	if e.Description != "" {
		msg += ": " + e.Description
	}
	return fmt.Sprintf("%s (HTTP %d)", msg, e.Status)
}

// Unwrap translates the service's codes into sentinels at the boundary.
// CSC v1 names wrong secrets invalid_pin / invalid_otp; other services
// answer invalid_request or invalid_grant with a description naming the
// PIN or OTP (the specification's examples: "Invalid PIN", "Invalid OTP"),
// which is the only signal they give, so it is read here and nowhere else.
func (e *ServiceError) Unwrap() error {
	desc := strings.ToLower(e.Description)
	switch {
	case e.Code == "invalid_pin" || e.Code == "invalid_otp":
		return signing.ErrPINIncorrect
	case e.Method == "credentials/authorize" && (e.Code == "invalid_request" || e.Code == "invalid_grant" || e.Code == "access_denied") &&
		(strings.Contains(desc, "invalid pin") || strings.Contains(desc, "invalid otp") ||
			strings.Contains(desc, "pin is invalid") || strings.Contains(desc, "otp is invalid")):
		return signing.ErrPINIncorrect
	case e.Code == "invalid_token" || (e.Status == 401 && strings.Contains(desc, "expired")):
		return ErrTokenExpired
	case strings.Contains(desc, "sad") && strings.Contains(desc, "expired"):
		return ErrSADExpired
	}
	return nil
}

// IsOTP reports whether a rejected secret was the OTP.
func (e *ServiceError) IsOTP() bool {
	return e.Code == "invalid_otp" || strings.Contains(strings.ToLower(e.Description), "otp")
}
