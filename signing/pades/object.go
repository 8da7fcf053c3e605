package pades

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"time"
)

// The small object model the incremental update is written in (ISO 32000-1
// §7.3). Values read by github.com/digitorus/pdf are converted into it with
// fromRaw, changed, and written with writeObject.
type (
	// Name is a PDF name without the leading solidus.
	Name string
	// String is a PDF string; it is written as a hex string so that no byte
	// needs escaping.
	String string
	// Raw is written verbatim.
	Raw string
	// Ref is an indirect reference.
	Ref struct {
		ID  uint32
		Gen uint16
	}
	// Dict is a dictionary; keys are written sorted so output is repeatable.
	Dict map[Name]any
	// Array is an array.
	Array []any
)

// fromRaw converts a value of github.com/digitorus/pdf (Value.RawData) into
// the object model. That package keeps its types unexported, so the
// conversion goes by reflection on their shapes: name is a string type,
// dict a map, array a slice, objptr a struct with GetID/GetGen.
func fromRaw(x any) (any, error) {
	if x == nil {
		return nil, nil
	}
	switch v := x.(type) {
	case bool, int64, float64:
		return v, nil
	case string:
		return String(v), nil
	}
	rv := reflect.ValueOf(x)
	switch rv.Kind() {
	case reflect.String: // pdf.name
		return Name(rv.String()), nil
	case reflect.Map: // pdf.dict
		d := Dict{}
		iter := rv.MapRange()
		for iter.Next() {
			val, err := fromRaw(iter.Value().Interface())
			if err != nil {
				return nil, err
			}
			d[Name(iter.Key().String())] = val
		}
		return d, nil
	case reflect.Slice: // pdf.array
		a := make(Array, rv.Len())
		for i := range a {
			val, err := fromRaw(rv.Index(i).Interface())
			if err != nil {
				return nil, err
			}
			a[i] = val
		}
		return a, nil
	case reflect.Struct:
		p := reflect.New(rv.Type())
		p.Elem().Set(rv)
		if ptr, ok := p.Interface().(interface {
			GetID() uint32
			GetGen() uint16
		}); ok {
			return Ref{ID: ptr.GetID(), Gen: ptr.GetGen()}, nil
		}
	}
	return nil, fmt.Errorf("unexpected PDF value of type %T", x)
}

// writeValue appends the PDF syntax of v to b.
func writeValue(b *bytes.Buffer, v any) {
	switch v := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		b.WriteString(strconv.FormatBool(v))
	case int:
		b.WriteString(strconv.Itoa(v))
	case int64:
		b.WriteString(strconv.FormatInt(v, 10))
	case float64:
		b.WriteString(formatReal(v))
	case Name:
		writeName(b, v)
	case String:
		b.WriteByte('<')
		b.WriteString(hex.EncodeToString([]byte(v)))
		b.WriteByte('>')
	case Raw:
		b.WriteString(string(v))
	case Ref:
		fmt.Fprintf(b, "%d %d R", v.ID, v.Gen)
	case Dict:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, string(k))
		}
		sort.Strings(keys)
		b.WriteString("<<")
		for _, k := range keys {
			writeName(b, Name(k))
			b.WriteByte(' ')
			writeValue(b, v[Name(k)])
		}
		b.WriteString(">>")
	case Array:
		b.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				b.WriteByte(' ')
			}
			writeValue(b, e)
		}
		b.WriteByte(']')
	default:
		panic(fmt.Sprintf("pades: cannot write %T", v))
	}
}

// formatReal writes a real without exponent (ISO 32000-1 §7.3.3 has none).
func formatReal(f float64) string {
	s := strconv.FormatFloat(f, 'f', 4, 64)
	s = trimZeros(s)
	if s == "-0" {
		return "0"
	}
	return s
}

func trimZeros(s string) string {
	if !bytes.ContainsRune([]byte(s), '.') {
		return s
	}
	for s[len(s)-1] == '0' {
		s = s[:len(s)-1]
	}
	if s[len(s)-1] == '.' {
		s = s[:len(s)-1]
	}
	return s
}

// writeName escapes every byte outside the regular printable range as #xx
// (ISO 32000-1 §7.3.5).
func writeName(b *bytes.Buffer, n Name) {
	b.WriteByte('/')
	for i := 0; i < len(n); i++ {
		c := n[i]
		if c < '!' || c > '~' || bytes.IndexByte([]byte("#()<>[]{}/%"), c) >= 0 {
			fmt.Fprintf(b, "#%02X", c)
			continue
		}
		b.WriteByte(c)
	}
}

// textString encodes s as a PDF text string: PDFDocEncoding is a superset
// of ASCII, anything else goes as UTF-16BE with a byte order mark
// (ISO 32000-1 §7.9.2.2).
func textString(s string) String {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return String(s)
	}
	var b []byte
	b = append(b, 0xFE, 0xFF)
	for _, r := range s {
		if r >= 0x10000 {
			r -= 0x10000
			hi, lo := 0xD800+(r>>10), 0xDC00+(r&0x3FF)
			b = append(b, byte(hi>>8), byte(hi), byte(lo>>8), byte(lo))
			continue
		}
		b = append(b, byte(r>>8), byte(r))
	}
	return String(b)
}

// dateString formats t as a PDF date (ISO 32000-1 §7.9.4).
func dateString(t time.Time) String {
	_, off := t.Zone()
	sign := '+'
	if off < 0 {
		sign, off = '-', -off
	}
	if off == 0 {
		return String(t.Format("D:20060102150405") + "Z")
	}
	return String(fmt.Sprintf("%s%c%02d'%02d'", t.Format("D:20060102150405"), sign, off/3600, off/60%60))
}
