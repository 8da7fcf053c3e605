package judge

import (
	"bytes"
	"encoding/asn1"
	"encoding/hex"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"testing"
)

var byteRangeRE = regexp.MustCompile(`/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]`)

// Signed is one signature found by scanning the file's bytes.
type Signed struct {
	ByteRange [4]int64
	CMS       []byte // DER, zero padding removed
}

// Signatures scans path for signature byte ranges, in file order, and
// extracts each /Contents. It reads bytes, independently of our parser.
func Signatures(t testing.TB, path string) []Signed {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []Signed
	for _, m := range byteRangeRE.FindAllSubmatch(data, -1) {
		var s Signed
		for i := range 4 {
			s.ByteRange[i], _ = strconv.ParseInt(string(m[i+1]), 10, 64)
		}
		der, err := contents(data, s.ByteRange)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		s.CMS = der
		out = append(out, s)
	}
	return out
}

func contents(data []byte, br [4]int64) ([]byte, error) {
	if br[1] >= br[2] || br[2] > int64(len(data)) || data[br[1]] != '<' || data[br[2]-1] != '>' {
		return nil, fmt.Errorf("byte range %v does not leave exactly a hex string", br)
	}
	raw, err := hex.DecodeString(string(bytes.TrimSpace(data[br[1]+1 : br[2]-1])))
	if err != nil {
		return nil, err
	}
	var v asn1.RawValue
	rest, err := asn1.Unmarshal(raw, &v)
	if err != nil {
		return nil, err
	}
	return raw[:len(raw)-len(rest)], nil
}
