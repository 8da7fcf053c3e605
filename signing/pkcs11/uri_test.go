package pkcs11

import (
	"os"
	"reflect"
	"strings"
	"testing"
)

func uintp(v uint) *uint { return &v }

func TestParseURI(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    *URI
		wantErr string // part of the message; URI errors carry no sentinel
	}{
		{name: "RFC 7512 example", in: "pkcs11:token=The%20Software%20PKCS%2311%20Softtoken;manufacturer=Snake%20Oil,%20Inc.;model=1.0;object=my-certificate;type=cert;id=%69%95%3E%5C%F4%BD%EC%91",
			want: &URI{Token: "The Software PKCS#11 Softtoken", Manufacturer: "Snake Oil, Inc.", Model: "1.0", Object: "my-certificate",
				ID: []byte{0x69, 0x95, 0x3e, 0x5c, 0xf4, 0xbd, 0xec, 0x91}}},
		{name: "module path", in: "pkcs11:token=My%20Token;id=%01?module-path=/usr/lib/softhsm/libsofthsm2.so",
			want: &URI{Token: "My Token", ID: []byte{1}, ModulePath: "/usr/lib/softhsm/libsofthsm2.so"}},
		{name: "serial and slot", in: "pkcs11:serial=DECC0401648;slot-id=42", want: &URI{Serial: "DECC0401648", SlotID: uintp(42)}},
		{name: "empty", in: "pkcs11:", want: &URI{}},
		{name: "scheme case", in: "PKCS11:object=a", want: &URI{Object: "a"}},
		{name: "empty values match anything", in: "pkcs11:token=;id=", want: &URI{}},
		{name: "lower-case escapes", in: "pkcs11:id=%ab%CD", want: &URI{ID: []byte{0xab, 0xcd}}},
		{name: "windows module path", in: `pkcs11:token=a?module-path=C:%5CWindows%5CSystem32%5Copensc-pkcs11.dll`,
			want: &URI{Token: "a", ModulePath: `C:\Windows\System32\opensc-pkcs11.dll`}},
		{name: "pin-value refused", in: "pkcs11:token=a?pin-value=1234", wantErr: "pin-value is refused"},
		{name: "pin-source refused", in: "pkcs11:token=a?pin-source=file:/pin", wantErr: "pin-source is refused"},
		{name: "other scheme", in: "pkcs12:/a.p12", wantErr: "scheme"},
		{name: "no scheme", in: "token=a", wantErr: "scheme"},
		{name: "repeated attribute", in: "pkcs11:token=a;token=b", wantErr: "repeated"},
		{name: "repeated query", in: "pkcs11:?module-path=/a&module-path=/b", wantErr: "repeated"},
		{name: "unknown attribute", in: "pkcs11:library-manufacturer=x", wantErr: `"library-manufacturer" is not supported`},
		{name: "module-name", in: "pkcs11:?module-name=softhsm2", wantErr: `"module-name" is not supported`},
		{name: "no value", in: "pkcs11:token", wantErr: "no value"},
		{name: "bad escape", in: "pkcs11:id=%zz", wantErr: "invalid escape"},
		{name: "truncated escape", in: "pkcs11:id=%0", wantErr: "truncated"},
		{name: "bad slot", in: "pkcs11:slot-id=-1", wantErr: "slot-id"},
		{name: "fragment", in: "pkcs11:token=a#b", wantErr: "fragment"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseURI(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseURI(%q) = %+v, %v; want error with %q", tt.in, got, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseURI(%q): %v", tt.in, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("ParseURI(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
			again, err := ParseURI(got.String())
			if err != nil || !reflect.DeepEqual(again, got) {
				t.Fatalf("round trip through %q = %+v, %v", got.String(), again, err)
			}
		})
	}
}

func TestURIString(t *testing.T) {
	tests := []struct {
		name string
		u    URI
		want string
	}{
		{name: "canonical order and escapes",
			u:    URI{Object: "sig key", ID: []byte{0x01, 0xab}, Serial: "0123", Token: "Test;Token", ModulePath: "/usr/lib/soft hsm/x.so"},
			want: "pkcs11:token=Test%3BToken;serial=0123;id=%01%AB;object=sig%20key?module-path=/usr/lib/soft%20hsm/x.so"},
		{name: "slot", u: URI{SlotID: uintp(0)}, want: "pkcs11:slot-id=0"},
		{name: "empty", u: URI{}, want: "pkcs11:"},
		{name: "utf-8 label", u: URI{Token: "Prüfkarte"}, want: "pkcs11:token=Pr%C3%BCfkarte"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.u.String(); got != tt.want {
				t.Fatalf("String() = %q, want %q", got, tt.want)
			}
		})
	}
}

func FuzzParseURI(f *testing.F) {
	for _, s := range []string{
		"pkcs11:token=My%20Token;id=%01?module-path=/usr/lib/softhsm/libsofthsm2.so",
		"pkcs11:token=The%20Software%20PKCS%2311%20Softtoken;manufacturer=Snake%20Oil,%20Inc.;model=1.0;object=my-certificate;type=cert;id=%69%95%3E%5C%F4%BD%EC%91",
		"pkcs11:slot-id=3;serial=abc",
		"pkcs11:",
		"pkcs11:?pin-value=1234",
		"pkcs11:id=%0",
		"pkcs11:token=;;object=a=b?&module-path=C:%5Cx.dll",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := ParseURI(s)
		if err != nil {
			return
		}
		out := u.String()
		again, err := ParseURI(out)
		if err != nil {
			t.Fatalf("ParseURI(%q) accepted, but its String %q is refused: %v", s, out, err)
		}
		if !reflect.DeepEqual(u, again) {
			t.Fatalf("round trip of %q through %q: %+v != %+v", s, out, u, again)
		}
		if again.String() != out {
			t.Fatalf("String is not canonical: %q then %q", out, again.String())
		}
	})
}

func TestDefaultModules(t *testing.T) {
	mods := DefaultModules()
	seen := map[string]bool{}
	for _, m := range mods {
		if _, err := os.Stat(m); err != nil {
			t.Errorf("DefaultModules lists %s: %v", m, err)
		}
		if seen[m] {
			t.Errorf("DefaultModules lists %s twice", m)
		}
		seen[m] = true
	}
	t.Logf("modules here: %q", mods)
}
