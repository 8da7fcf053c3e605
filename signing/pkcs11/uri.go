package pkcs11

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// URI is an RFC 7512 PKCS#11 URI naming a token and a key on it, and the
// module to reach it through. Empty fields (nil ID and SlotID) match
// anything.
type URI struct {
	Token        string // CKA token label ("token")
	Manufacturer string // token manufacturerID ("manufacturer")
	Model        string // token model ("model")
	Serial       string // token serialNumber ("serial")
	Object       string // CKA_LABEL of the private key ("object")
	ID           []byte // CKA_ID shared by the key and its certificate ("id")
	SlotID       *uint  // slot-id (RFC 7512 §2.3); unstable on SoftHSM2, prefer serial
	ModulePath   string // module-path query attribute
}

// Path attributes that narrow nothing here but are part of RFC 7512 and are
// therefore accepted and ignored rather than refused. "type" says which
// object class a URI names; a Key always needs a private key with its
// certificate, so every type identifies the same key.
var ignoredPathAttrs = map[string]bool{"type": true}

// ParseURI parses an RFC 7512 PKCS#11 URI. It refuses the pin-value and
// pin-source query attributes: PINs come from the PIN callback, never from a
// command line or a settings file. Attributes it cannot honour (library-*,
// slot-description, module-name, vendor x-*) are refused too, because
// silently ignoring a filter could select a different key.
func ParseURI(s string) (*URI, error) {
	const scheme = "pkcs11:"
	if len(s) < len(scheme) || !strings.EqualFold(s[:len(scheme)], scheme) {
		return nil, fmt.Errorf("parse PKCS#11 URI: missing %q scheme", scheme)
	}
	rest := s[len(scheme):]
	if strings.Contains(rest, "#") {
		return nil, errors.New("parse PKCS#11 URI: fragments are not allowed")
	}
	path, query, _ := strings.Cut(rest, "?")
	u := &URI{}
	seen := map[string]bool{}
	for attr := range strings.SplitSeq(path, ";") {
		if attr == "" {
			continue
		}
		name, raw, ok := strings.Cut(attr, "=")
		if !ok {
			return nil, fmt.Errorf("parse PKCS#11 URI: attribute %q has no value", attr)
		}
		if seen[name] {
			// RFC 7512 §2.3: an attribute must not appear more than once.
			return nil, fmt.Errorf("parse PKCS#11 URI: attribute %q repeated", name)
		}
		seen[name] = true
		v, err := unescape(raw)
		if err != nil {
			return nil, fmt.Errorf("parse PKCS#11 URI: attribute %q: %w", name, err)
		}
		switch name {
		case "token":
			u.Token = string(v)
		case "manufacturer":
			u.Manufacturer = string(v)
		case "model":
			u.Model = string(v)
		case "serial":
			u.Serial = string(v)
		case "object":
			u.Object = string(v)
		case "id":
			if len(v) > 0 {
				u.ID = v
			}
		case "slot-id":
			n, err := strconv.ParseUint(string(v), 10, 0)
			if err != nil {
				return nil, fmt.Errorf("parse PKCS#11 URI: slot-id %q is not a decimal number", v)
			}
			id := uint(n)
			u.SlotID = &id
		default:
			if !ignoredPathAttrs[name] {
				return nil, fmt.Errorf("parse PKCS#11 URI: attribute %q is not supported", name)
			}
		}
	}
	for attr := range strings.SplitSeq(query, "&") {
		if attr == "" {
			continue
		}
		name, raw, ok := strings.Cut(attr, "=")
		if !ok {
			return nil, fmt.Errorf("parse PKCS#11 URI: query attribute %q has no value", attr)
		}
		if seen["?"+name] {
			return nil, fmt.Errorf("parse PKCS#11 URI: query attribute %q repeated", name)
		}
		seen["?"+name] = true
		switch name {
		case "pin-value", "pin-source":
			return nil, fmt.Errorf("parse PKCS#11 URI: %s is refused: PINs are asked for when needed, never passed in a URI", name)
		case "module-path":
			v, err := unescape(raw)
			if err != nil {
				return nil, fmt.Errorf("parse PKCS#11 URI: module-path: %w", err)
			}
			u.ModulePath = string(v)
		default:
			return nil, fmt.Errorf("parse PKCS#11 URI: query attribute %q is not supported", name)
		}
	}
	return u, nil
}

// String returns the canonical form: path attributes in a fixed order,
// everything but unreserved characters percent-encoded (the id always), and
// "/" left readable in module-path (RFC 7512 pk11-qchar).
func (u *URI) String() string {
	var b strings.Builder
	b.WriteString("pkcs11:")
	sep := ""
	attr := func(name, value string) {
		if value == "" {
			return
		}
		b.WriteString(sep)
		b.WriteString(name)
		b.WriteByte('=')
		b.WriteString(escape([]byte(value), ""))
		sep = ";"
	}
	attr("token", u.Token)
	attr("manufacturer", u.Manufacturer)
	attr("model", u.Model)
	attr("serial", u.Serial)
	if u.SlotID != nil {
		attr("slot-id", strconv.FormatUint(uint64(*u.SlotID), 10))
	}
	if len(u.ID) > 0 {
		b.WriteString(sep)
		b.WriteString("id=")
		for _, c := range u.ID {
			fmt.Fprintf(&b, "%%%02X", c)
		}
		sep = ";"
	}
	attr("object", u.Object)
	if u.ModulePath != "" {
		b.WriteString("?module-path=")
		b.WriteString(escape([]byte(u.ModulePath), "/"))
	}
	return b.String()
}

func isUnreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

func escape(v []byte, keep string) string {
	var b strings.Builder
	for _, c := range v {
		if isUnreserved(c) || strings.IndexByte(keep, c) >= 0 {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

func unescape(s string) ([]byte, error) {
	if !strings.Contains(s, "%") {
		return []byte(s), nil
	}
	var b bytes.Buffer
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			b.WriteByte(s[i])
			continue
		}
		if i+2 >= len(s) {
			return nil, fmt.Errorf("truncated escape %q", s[i:])
		}
		n, err := strconv.ParseUint(s[i+1:i+3], 16, 8)
		if err != nil {
			return nil, fmt.Errorf("invalid escape %q", s[i:i+3])
		}
		b.WriteByte(byte(n))
		i += 2
	}
	return b.Bytes(), nil
}
