package ocsptest

import (
	"encoding/base64"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"

	"github.com/siegel-app/siegel/internal/testenv"
)

// Store is a PDF's document security store (ISO 32000-2 §12.8.4.3) as
// qpdf reads it: the data of the streams in each array.
type Store struct {
	Certs, OCSPs, CRLs [][]byte
	// VRI maps each key of /VRI (uppercase hex SHA-1 of a signature's
	// /Contents) to its /Cert, /OCSP and /CRL data.
	VRI map[string]VRI
}

// VRI is one entry of /VRI.
type VRI struct {
	Cert, OCSP, CRL [][]byte
}

// ReadDSS reads path's /DSS with qpdf --json, independently of the code
// that wrote it; nil when the catalog has none.
func ReadDSS(t testing.TB, path string) *Store {
	t.Helper()
	bin := testenv.Need(t, "qpdf")["qpdf"]
	out, err := exec.Command(bin, "--json=2", "--json-key=qpdf", "--json-stream-data=inline", path).Output()
	if err != nil {
		t.Fatalf("qpdf --json %s: %v", path, err)
	}
	var doc struct {
		QPDF []json.RawMessage `json:"qpdf"`
	}
	if err := json.Unmarshal(out, &doc); err != nil || len(doc.QPDF) != 2 {
		t.Fatalf("qpdf --json %s: %v", path, err)
	}
	var objs qpdfObjects
	if err := json.Unmarshal(doc.QPDF[1], &objs); err != nil {
		t.Fatal(err)
	}
	var tr struct{ Value map[string]any }
	json.Unmarshal(objs["trailer"], &tr)
	dss := objs.dict(objs.dict(tr.Value["/Root"])["/DSS"])
	if dss == nil {
		return nil
	}
	s := &Store{Certs: objs.streams(dss["/Certs"]), OCSPs: objs.streams(dss["/OCSPs"]),
		CRLs: objs.streams(dss["/CRLs"]), VRI: map[string]VRI{}}
	for k, v := range objs.dict(dss["/VRI"]) {
		e := objs.dict(v)
		s.VRI[strings.TrimPrefix(k, "/")] = VRI{Cert: objs.streams(e["/Cert"]), OCSP: objs.streams(e["/OCSP"]), CRL: objs.streams(e["/CRL"])}
	}
	return s
}

// qpdfObjects is the object table of qpdf --json=2: "obj:N G R" → object.
type qpdfObjects map[string]json.RawMessage

// dict returns the dictionary v is or refers to ("N G R").
func (o qpdfObjects) dict(v any) map[string]any {
	switch v := v.(type) {
	case map[string]any:
		return v
	case string:
		var obj struct{ Value map[string]any }
		json.Unmarshal(o["obj:"+v], &obj)
		return obj.Value
	}
	return nil
}

// streams returns the data of the streams an array (or a reference to
// one) refers to.
func (o qpdfObjects) streams(v any) [][]byte {
	if ref, ok := v.(string); ok {
		var obj struct{ Value []any }
		json.Unmarshal(o["obj:"+ref], &obj)
		v = obj.Value
	}
	arr, _ := v.([]any)
	var out [][]byte
	for _, e := range arr {
		ref, _ := e.(string)
		var obj struct {
			Stream struct{ Data string }
		}
		json.Unmarshal(o["obj:"+ref], &obj)
		b, _ := base64.StdEncoding.DecodeString(obj.Stream.Data)
		out = append(out, b)
	}
	return out
}
