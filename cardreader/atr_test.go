package cardreader

import (
	"encoding/hex"
	"strings"
	"testing"

	"github.com/siegel-app/siegel/assets"
	"github.com/siegel-app/siegel/internal/testenv"
)

func mustATR(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

func TestIdentify(t *testing.T) {
	id := NewIdentifier(assets.ATRTable, "")
	tests := []struct {
		atr, want string
	}{
		{"3B 8A 80 01 80 31 B8 73 84 01 E0 82 90 00 06", "German eID (nPA)"},
		{"3B DB 96 00 80 B1 FE 45 1F 83 00 12 23 3F 53 65 49 44 0F 90 00 F1", "Estonian ID card"},
		{"3B FD 13 00 00 81 31 FE 15 80 73 C0 21 C0 57 59 75 62 69 4B 65 79 40", "YubiKey"},
		{"3B 8C 80 01 59 75 62 69 6B 65 79 4E 45 4F 72 33 58", "YubiKey"},
		{"3B FF 94 00 FF 80 B1 FE 45 1F 03 00 68 D2 76 00 00 28 FF 05 1E 31 80 00 90 00 23", "D-Trust signature card"},
		{"3B 01 02", ""},
	}
	for _, tc := range tests {
		got, ok := id.Identify(mustATR(tc.atr))
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("Identify(%s) = %q, %v; want %q", tc.atr, got, ok, tc.want)
		}
	}
}

func TestParseATRTable(t *testing.T) {
	table := ParseATRTable([]byte("# comment\n3B 02 14 50\n\tFirst card\n\tmore text\n3B 3[1,3] ..\n3B 4. 00\n\tShared name\n\n3B (BAD\n\tNever\n"))
	for _, tc := range []struct{ atr, want string }{
		{"3B 02 14 50", "First card"},
		{"3B 31 7F", "Shared name"},
		{"3B 4A 00", "Shared name"},
		{"3B 32 00", ""},
	} {
		if got, _ := table.Identify(mustATR(tc.atr)); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.atr, got, tc.want)
		}
	}
}

// TestSystemList reads the list pcsc-tools installs, when it is there.
func TestSystemList(t *testing.T) {
	id := NewIdentifier(nil, SystemATRList)
	name, ok := id.Identify(mustATR("3B 8C 80 01 59 75 62 69 6B 65 79 4E 45 4F 72 33 58"))
	if !ok {
		testenv.Missing(t, "no system ATR list at "+SystemATRList+" (apt-get install pcsc-tools)")
	}
	if !strings.Contains(name, "Yubikey") {
		t.Errorf("system list names a YubiKey NEO %q", name)
	}
}

func FuzzParseATRTable(f *testing.F) {
	f.Add(assets.ATRTable, []byte{0x3B, 0x8C})
	f.Fuzz(func(t *testing.T, table, atr []byte) {
		ParseATRTable(table).Identify(atr)
	})
}
