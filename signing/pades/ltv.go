package pades

import (
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// The long-term levels (ETSI EN 319 142-1 §6.3, §6.4) add revisions after
// the signature: B-LT the document security store with the validation data,
// B-LTA a document timestamp over everything before it. Both are appended
// to the prepared file, so that the output still appears once, at Commit.

// DSS is validation data for the document security store (ISO 32000-2
// §12.8.4.3, ETSI EN 319 142-1 §5.4.2), each entry DER.
type DSS struct {
	Certs [][]byte // certificates
	OCSPs [][]byte // OCSPResponse structures (RFC 6960 §4.2.1)
	CRLs  [][]byte // CertificateLists (RFC 5280 §5.1)
}

// ErrNotEmbedded: a revision cannot follow a signature that has no value yet.
var ErrNotEmbedded = errors.New("the prepared signature has not been embedded")

// embedded checks that the file is as Embed left it: same length, the
// current placeholder filled.
func (p *Prepared) embedded() error {
	if p.f == nil {
		return errors.New("prepared file already committed or discarded")
	}
	st, err := p.f.Stat()
	if err != nil {
		return err
	}
	if st.Size() != p.total {
		return ErrPreparedChanged
	}
	hole, err := p.contents()
	if err != nil {
		return err
	}
	if bytes.Count(hole, []byte{0}) == len(hole) {
		return ErrNotEmbedded
	}
	return nil
}

// contents is the value of the current /Contents string, decoded, with its
// zero padding.
func (p *Prepared) contents() ([]byte, error) {
	raw := make([]byte, p.holeLen)
	if _, err := p.f.ReadAt(raw, p.ByteRange[1]); err != nil {
		return nil, err
	}
	if raw[0] != '<' || raw[len(raw)-1] != '>' {
		return nil, ErrPreparedChanged
	}
	v := make([]byte, hex.DecodedLen(len(raw)-2))
	if _, err := hex.Decode(v, raw[1:len(raw)-1]); err != nil {
		return nil, ErrPreparedChanged
	}
	return v, nil
}

// AppendDSS adds an incremental update with the document security store
// to the prepared file after its signature was embedded: the catalog's
// /DSS with /Certs, /OCSPs and /CRLs arrays of streams, merged with those
// of an earlier store, and a /VRI entry for the signature keyed by the
// uppercase hex SHA-1 of its /Contents value (ETSI EN 319 142-1 §5.4.2.2).
// Entries that are byte for byte the same are stored once.
func (p *Prepared) AppendDSS(d DSS) error {
	if err := p.embedded(); err != nil {
		return err
	}
	sigValue, err := p.contents()
	if err != nil {
		return err
	}
	doc, err := readDocument(p.f)
	if err != nil {
		return err
	}
	sum := sha1.Sum(sigValue)
	upd, err := buildDSSUpdate(doc, d, Name(strings.ToUpper(hex.EncodeToString(sum[:]))))
	if err != nil {
		return err
	}
	if _, err := p.f.WriteAt(upd, p.total); err != nil {
		return fmt.Errorf("write document security store: %w", unwrapPath(err))
	}
	p.total += int64(len(upd))
	return p.sync()
}

// Append prepares a further revision on the prepared file after its
// signature was embedded, e.g. a document timestamp (opts.DocTimeStamp):
// Digest, ByteRange and FieldName then describe the new revision, and
// Check, Embed and Commit work on it as after Prepare. The digest is
// taken while the file is read once more, in a stream.
func (p *Prepared) Append(opts Options) error {
	if opts.ContentsSize <= 0 {
		return errors.New("prepare: no space reserved for the signature")
	}
	if err := p.embedded(); err != nil {
		return err
	}
	doc, err := readDocument(p.f)
	if err != nil {
		return err
	}
	if opts.Time.IsZero() {
		opts.Time = time.Now()
	}
	upd, err := buildUpdate(doc, opts)
	if err != nil {
		return err
	}
	h := newDigest()
	if _, err := io.CopyBuffer(h, io.NewSectionReader(p.f, 0, p.total), copyBuffer(p.total)); err != nil {
		return err
	}
	h.Write(upd.data[:upd.holeStart])
	h.Write(upd.data[upd.holeEnd:])
	if _, err := p.f.WriteAt(upd.data, p.total); err != nil {
		return fmt.Errorf("write revision: %w", unwrapPath(err))
	}
	p.Digest = h.Sum(nil)
	p.ByteRange = upd.byteRange
	p.FieldName = upd.fieldName
	p.total += int64(len(upd.data))
	p.holeLen = int64(upd.holeEnd - upd.holeStart)
	return nil
}

func (p *Prepared) sync() error {
	if p.noSync {
		return nil
	}
	return p.f.Sync()
}

// buildDSSUpdate writes the streams, the DSS dictionary and the catalog
// that points to it.
func buildDSSUpdate(doc *document, d DSS, vriKey Name) ([]byte, error) {
	w := &writer{doc: doc, offsets: map[uint32]int64{}, gens: map[uint32]uint16{}, next: doc.nextID}
	if last, err := lastByte(doc); err != nil {
		return nil, err
	} else if last != '\n' && last != '\r' {
		w.buf.WriteByte('\n')
	}
	root := clone(doc.root)

	// An earlier store (another signature's) is kept and extended.
	var dss Dict
	dssRef, indirect := root["DSS"].(Ref)
	switch v := root["DSS"].(type) {
	case nil:
		dss = Dict{}
	case Dict:
		dss = clone(v)
	case Ref:
		o, err := doc.object(v)
		if err != nil {
			return nil, err
		}
		dd, ok := o.(Dict)
		if !ok {
			return nil, fmt.Errorf("%w: /DSS is not a dictionary", ErrDamaged)
		}
		dss = clone(dd)
	default:
		return nil, fmt.Errorf("%w: /DSS is not a dictionary", ErrDamaged)
	}
	if !indirect {
		dssRef = w.alloc()
	}
	dss["Type"] = Name("DSS")

	vri := Dict{}
	for _, part := range []struct {
		key, vriKey Name
		data        [][]byte
	}{{"Certs", "Cert", d.Certs}, {"OCSPs", "OCSP", d.OCSPs}, {"CRLs", "CRL", d.CRLs}} {
		if len(part.data) == 0 {
			continue
		}
		old, err := doc.array(dss[part.key])
		if err != nil {
			return nil, err
		}
		all := append(Array{}, old...)
		var mine Array
		seen := map[string]bool{}
		for _, der := range part.data {
			if seen[string(der)] {
				continue
			}
			seen[string(der)] = true
			ref := w.alloc()
			w.stream(ref, Dict{}, der)
			all = append(all, ref)
			mine = append(mine, ref)
		}
		dss[part.key] = all
		vri[part.vriKey] = mine
	}

	if len(vri) > 0 {
		var vris Dict
		switch v := dss["VRI"].(type) {
		case nil:
			vris = Dict{}
		case Dict:
			vris = clone(v)
		case Ref:
			o, err := doc.object(v)
			if err != nil {
				return nil, err
			}
			vd, ok := o.(Dict)
			if !ok {
				return nil, fmt.Errorf("%w: /VRI is not a dictionary", ErrDamaged)
			}
			vris = clone(vd)
		default:
			return nil, fmt.Errorf("%w: /VRI is not a dictionary", ErrDamaged)
		}
		vris[vriKey] = vri
		dss["VRI"] = vris
	}
	w.object(dssRef, dss)
	if !indirect {
		root["DSS"] = dssRef
		w.object(doc.rootRef, root)
	}
	w.writeXref()
	return w.buf.Bytes(), nil
}
