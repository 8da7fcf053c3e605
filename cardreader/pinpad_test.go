package cardreader

import "testing"

func TestHasPINPad(t *testing.T) {
	tests := []struct {
		name string
		tlv  []byte
		want bool
	}{
		{"none", nil, false},
		// FEATURE_VERIFY_PIN_DIRECT and FEATURE_MODIFY_PIN_DIRECT, as
		// pcsc-lite's CCID driver reports for a pin-pad reader.
		{"direct", []byte{0x06, 0x04, 0x42, 0x33, 0x00, 0x06, 0x07, 0x04, 0x42, 0x33, 0x00, 0x07}, true},
		{"start", []byte{0x01, 0x04, 0x42, 0x33, 0x00, 0x01}, true},
		{"other features only", []byte{0x12, 0x04, 0x42, 0x33, 0x00, 0x12}, false},
		{"truncated", []byte{0x06, 0x04, 0x42}, false},
	}
	for _, tc := range tests {
		if got := hasPINPad(tc.tlv); got != tc.want {
			t.Errorf("%s: hasPINPad = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestParseVerify(t *testing.T) {
	tests := []struct {
		sw   uint16
		want PINState
	}{
		{0x63C3, PINState{Known: true, RetriesLeft: 3}},
		{0x63C1, PINState{Known: true, RetriesLeft: 1}},
		{0x63C0, PINState{Known: true, Blocked: true}},
		{0x6983, PINState{Known: true, Blocked: true}},
		{0x9000, PINState{Known: true, Verified: true, RetriesLeft: -1}},
		{0x6A82, PINState{}},
	}
	for _, tc := range tests {
		if got := parseVerify(tc.sw); got != tc.want {
			t.Errorf("%04X: %+v, want %+v", tc.sw, got, tc.want)
		}
	}
	if !parseVerify(0x63C1).FinalTry() || parseVerify(0x63C2).FinalTry() {
		t.Error("FinalTry wrong")
	}
}
