package pades

import (
	"bytes"
	"crypto/sha256"
	"encoding"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"
)

// Options describe the signature to prepare.
type Options struct {
	Reason, Location, Contact string
	// Time is the claimed signing time written as /M and shown in a
	// visible stamp; zero means now. PAdES carries no signing-time
	// attribute in the CMS; a B-T timestamp is the trusted time.
	Time time.Time
	// Certify, when 1, 2 or 3, makes a certification signature with DocMDP
	// permissions P (ISO 32000-1 §12.8.2.2); 0 is an approval signature.
	Certify int
	// Visible places a stamp on a page; nil signs invisibly.
	Visible *Visible
	// ContentsSize is the number of bytes reserved for the CMS signature
	// (the hex placeholder is twice as long). It is sized once, from the
	// chain, the signature length and the timestamp allowance.
	ContentsSize int
	// Producer names the software in the signature's build properties.
	Producer string
	// NoSync leaves out fsync of the signed file and its directory, for a
	// caller that makes many files durable at once (one syncfs for a batch).
	// Without it a signed file is on disk when Commit returns.
	NoSync bool
	// FileDigests makes Prepare take the SHA-256 of the input while it
	// copies it (Prepared.InputSHA256) and keep what it needs to give the
	// SHA-256 of the signed file after Embed (Prepared.OutputSHA256), so
	// that a batch that records both need not read either file again.
	FileDigests bool
	// InputMode gives the signed file the permission bits of the input
	// (temporary files are 0600), taken from the open input.
	InputMode bool
	// DocTimeStamp prepares a document timestamp instead of a signature
	// (ETSI EN 319 142-1 §5.4.3, ISO 32000-2 §12.8.5): /Type /DocTimeStamp,
	// /SubFilter /ETSI.RFC3161, and /Contents for an RFC 3161 token over
	// the digest. It is invisible and carries no reason, time or DocMDP.
	DocTimeStamp bool
}

// Visible is a signature stamp.
type Visible struct {
	Page int // 1-based
	// X, Y, W, H are in points from the lower-left corner of the page as
	// displayed: its crop box (else media box), turned by its /Rotate, as
	// a viewer shows it. The stamp reads upright there.
	X, Y, W, H float64
	Lines      []string
	Image      []byte // PNG or JPEG, drawn at the stamp's left; optional
}

// Errors of the prepare → embed steps.
var (
	ErrPlaceholderTooSmall = errors.New("signature does not fit the space reserved for it")
	ErrPreparedChanged     = errors.New("prepared file changed between review and signing")
	ErrOutputExists        = errors.New("output file exists (use --force to replace it)")
	ErrSameFile            = errors.New("output must not be the input file")
)

// Prepared is a revision written to a temporary file beside the output,
// complete except for the signature value. Digest is what the signer is
// shown and what the CMS signs: SHA-256 over the two byte ranges.
type Prepared struct {
	f         *os.File // open from Prepare until Commit or Discard
	Path      string   // the temporary file: render it to show what is signed
	Digest    []byte
	ByteRange [4]int64
	FieldName string
	total     int64
	holeLen   int64 // bytes of the /Contents string including < and >
	noSync    bool

	// InputSHA256 is the SHA-256 of the input as it was copied; set with
	// Options.FileDigests.
	InputSHA256 []byte
	// With Options.FileDigests: the hash state after the first byte range
	// (the file up to the placeholder), the bytes after the placeholder,
	// and, after Embed, the SHA-256 of the whole file.
	prefixState []byte
	tail        []byte
	outSHA      []byte
}

// zeroDigits is what the placeholder holds where the signature ends.
var zeroDigits = bytes.Repeat([]byte{'0'}, 4096)

// OutputSHA256 returns the SHA-256 of the signed file as Embed wrote it,
// computed from what was written rather than read back. It is nil before
// Embed and without Options.FileDigests.
func (p *Prepared) OutputSHA256() []byte { return p.outSHA }

// copyBuffer is large enough to stream big files in few system calls and
// no larger than a small file, whose documents/s it would otherwise cost.
func copyBuffer(size int64) []byte {
	return make([]byte, max(4096, min(size, 1<<20)))
}

// ByteRangeDigest is the hash used for the signed byte ranges.
func newDigest() hash.Hash { return sha256.New() }

// Prepare writes the revision to be signed: the input, copied unchanged,
// followed by an incremental update (ISO 32000-1 §7.5.6) with the signature
// field, its dictionary and a /Contents placeholder. It is written to a
// temporary file next to out; the input is only read. The digest is taken
// while copying, so the file is read once and memory does not grow with it.
func Prepare(in, out string, opts Options) (p *Prepared, err error) {
	if opts.ContentsSize <= 0 {
		return nil, errors.New("prepare: no space reserved for the signature")
	}
	f, err := openRead(in)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if so, err := os.Stat(out); err == nil && os.SameFile(st, so) {
		return nil, ErrSameFile
	}
	doc, err := readDocumentStat(f, st)
	if err != nil {
		return nil, err
	}
	if opts.Time.IsZero() {
		opts.Time = time.Now()
	}
	upd, err := buildUpdate(doc, opts)
	if err != nil {
		return nil, err
	}

	tmp, err := createTemp(filepath.Dir(out), "."+filepath.Base(out)+".siegel-*.tmp")
	if err != nil {
		return nil, fmt.Errorf("output directory %s: %w", filepath.Dir(out), unwrapPath(err))
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if opts.InputMode {
		// Best effort, as before: some file systems (FAT, some network
		// shares) refuse chmod, and a 0600 output is still a good output.
		_ = tmp.Chmod(st.Mode().Perm())
	}
	h := newDigest()
	var inHash hash.Hash
	if opts.FileDigests {
		inHash = sha256.New()
	}
	if whole, ok := doc.whole(); ok {
		// A small file: hash the bytes that were parsed and write them
		// with the update in one system call.
		h.Write(whole)
		if inHash != nil {
			inHash.Write(whole)
		}
		if _, err := tmp.Write(slices.Concat(whole, upd.data)); err != nil {
			return nil, fmt.Errorf("write %s: %w", out, unwrapPath(err))
		}
	} else {
		var w io.Writer = io.MultiWriter(tmp, h)
		if inHash != nil {
			w = io.MultiWriter(tmp, h, inHash)
		}
		n, err := io.CopyBuffer(w, io.NewSectionReader(f, 0, doc.size), copyBuffer(doc.size))
		if err != nil {
			return nil, fmt.Errorf("write %s: %w", out, unwrapPath(err))
		}
		if n != doc.size {
			return nil, fmt.Errorf("input changed while it was read")
		}
		if _, err := tmp.Write(upd.data); err != nil {
			return nil, fmt.Errorf("write %s: %w", out, unwrapPath(err))
		}
	}
	h.Write(upd.data[:upd.holeStart])
	var prefix []byte
	if opts.FileDigests {
		if prefix, err = h.(encoding.BinaryMarshaler).MarshalBinary(); err != nil {
			return nil, err
		}
	}
	h.Write(upd.data[upd.holeEnd:])
	var inSHA, tail []byte
	if opts.FileDigests {
		inSHA = inHash.Sum(nil)
		tail = slices.Clone(upd.data[upd.holeEnd:])
	}
	return &Prepared{
		InputSHA256: inSHA,
		prefixState: prefix,
		tail:        tail,
		f:           tmp,
		Path:        tmp.Name(),
		Digest:      h.Sum(nil),
		ByteRange:   upd.byteRange,
		FieldName:   upd.fieldName,
		total:       doc.size + int64(len(upd.data)),
		holeLen:     int64(upd.holeEnd - upd.holeStart),
		noSync:      opts.NoSync,
	}, nil
}

// Embed writes the CMS signature into the placeholder of the prepared file
// after checking that the bytes it covers are still those that were shown.
// A signature that does not fit is an error; the key is never asked twice.
func (p *Prepared) Embed(cms []byte) error {
	hexLen := int64(hex.EncodedLen(len(cms)))
	if hexLen > p.holeLen-2 {
		return fmt.Errorf("%w (%d bytes needed, %d reserved)", ErrPlaceholderTooSmall, len(cms), (p.holeLen-2)/2)
	}
	if err := p.Check(); err != nil {
		return err
	}
	enc := make([]byte, hexLen)
	hex.Encode(enc, cms)
	if _, err := p.f.WriteAt(enc, p.ByteRange[1]+1); err != nil {
		return fmt.Errorf("write signature: %w", unwrapPath(err))
	}
	if p.prefixState != nil {
		// The file is the first range, then '<', the hex, the rest of
		// the zeros and '>', then the second range.
		h := newDigest()
		if err := h.(encoding.BinaryUnmarshaler).UnmarshalBinary(p.prefixState); err != nil {
			return err
		}
		h.Write([]byte{'<'})
		h.Write(enc)
		for n := p.holeLen - 2 - hexLen; n > 0; {
			c := min(n, int64(len(zeroDigits)))
			h.Write(zeroDigits[:c])
			n -= c
		}
		h.Write([]byte{'>'})
		h.Write(p.tail)
		p.outSHA = h.Sum(nil)
	}
	if p.noSync {
		return nil
	}
	return p.f.Sync()
}

// Check re-reads the prepared file and reports ErrPreparedChanged unless
// the signed byte ranges still hash to Digest and the placeholder is
// still empty. A signer calls it after the review and before the key is
// used, so a file changed meanwhile costs no PIN and no signature; Embed
// checks again.
func (p *Prepared) Check() error {
	if p.f == nil {
		return errors.New("prepared file already committed or discarded")
	}
	f := p.f
	if p.total <= blockSize {
		return p.checkSmall()
	}
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if st.Size() != p.total {
		return ErrPreparedChanged
	}
	h := newDigest()
	buf := copyBuffer(p.total)
	br := p.ByteRange
	for _, r := range [][2]int64{{br[0], br[1]}, {br[2], br[3]}} {
		if _, err := io.CopyBuffer(h, io.NewSectionReader(f, r[0], r[1]), buf); err != nil {
			return err
		}
	}
	if !bytes.Equal(h.Sum(nil), p.Digest) {
		return ErrPreparedChanged
	}
	hole := make([]byte, p.holeLen)
	if _, err := f.ReadAt(hole, br[1]); err != nil {
		return err
	}
	if hole[0] != '<' || hole[len(hole)-1] != '>' || bytes.Count(hole, []byte{'0'}) != len(hole)-2 {
		return ErrPreparedChanged
	}
	return nil
}

// checkSmall is Check for a small file with one read instead of a stat
// and three: one byte more than the file is asked for, so a file that
// grew is seen as well as one that shrank.
func (p *Prepared) checkSmall() error {
	b := make([]byte, p.total+1)
	n, err := p.f.ReadAt(b, 0)
	if err != nil && err != io.EOF {
		return err
	}
	if int64(n) != p.total {
		return ErrPreparedChanged
	}
	br := p.ByteRange
	h := newDigest()
	h.Write(b[br[0] : br[0]+br[1]])
	h.Write(b[br[2] : br[2]+br[3]])
	if !bytes.Equal(h.Sum(nil), p.Digest) {
		return ErrPreparedChanged
	}
	hole := b[br[1] : br[1]+p.holeLen]
	if hole[0] != '<' || hole[len(hole)-1] != '>' || bytes.Count(hole, []byte{'0'}) != len(hole)-2 {
		return ErrPreparedChanged
	}
	return nil
}

// Commit moves the signed file to out. Without force an existing out is
// refused; the check and the move are one step (renameat2 with
// RENAME_NOREPLACE, or a hard link), so a file that appears meanwhile is
// not overwritten either.
func (p *Prepared) Commit(out string, force bool) error {
	if err := p.close(); err != nil {
		return err
	}
	var err error
	if force {
		err = os.Rename(p.Path, out)
	} else {
		err = renameNoReplace(p.Path, out)
	}
	if err != nil {
		return err
	}
	return p.syncDir(filepath.Dir(out))
}

func (p *Prepared) close() error {
	if p.f == nil {
		return nil
	}
	err := p.f.Close()
	p.f = nil
	return err
}

// linkNoReplace is renameNoReplace without renameat2: a hard link fails when the target
// exists; file systems without hard links get check-then-rename.
func linkNoReplace(from, to string) error {
	if err := os.Link(from, to); err != nil {
		if errors.Is(err, os.ErrExist) {
			return ErrOutputExists
		}
		if _, serr := os.Lstat(to); serr == nil {
			return ErrOutputExists
		}
		return os.Rename(from, to)
	}
	return os.Remove(from)
}

// Discard removes the temporary file.
func (p *Prepared) Discard() error {
	p.close()
	err := os.Remove(p.Path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	return err
}

// unwrapPath drops the *PathError wrapper whose path is the temporary
// file, a name the user never chose; the cause (e.g. "no space left on
// device") stays.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func (p *Prepared) syncDir(dir string) error {
	if p.noSync {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	// Some file systems refuse to sync directories; the rename stands.
	_ = d.Sync()
	return nil
}

// update is the incremental update in memory: small (dictionaries, a
// stamp) whatever the size of the document.
type update struct {
	data               []byte
	holeStart, holeEnd int // the /Contents string, < to > inclusive, in data
	byteRange          [4]int64
	fieldName          string
}

const byteRangeWidth = 60 // room for "[0 a b c]" with 4 × up to 13 digits

type writer struct {
	doc     *document
	buf     bytes.Buffer
	offsets map[uint32]int64 // object number → offset in the file
	gens    map[uint32]uint16
	next    uint32
}

func (w *writer) alloc() Ref {
	r := Ref{ID: w.next}
	w.next++
	return r
}

func (w *writer) pos() int64 { return w.doc.size + int64(w.buf.Len()) }

func (w *writer) object(ref Ref, v any) {
	w.offsets[ref.ID] = w.pos()
	w.gens[ref.ID] = ref.Gen
	fmt.Fprintf(&w.buf, "%d %d obj\n", ref.ID, ref.Gen)
	writeValue(&w.buf, v)
	w.buf.WriteString("\nendobj\n")
}

func (w *writer) stream(ref Ref, d Dict, data []byte) {
	d["Length"] = int64(len(data))
	w.offsets[ref.ID] = w.pos()
	w.gens[ref.ID] = ref.Gen
	fmt.Fprintf(&w.buf, "%d %d obj\n", ref.ID, ref.Gen)
	writeValue(&w.buf, d)
	w.buf.WriteString("\nstream\n")
	w.buf.Write(data)
	w.buf.WriteString("\nendstream\nendobj\n")
}

func buildUpdate(doc *document, opts Options) (*update, error) {
	w := &writer{doc: doc, offsets: map[uint32]int64{}, gens: map[uint32]uint16{}, next: doc.nextID}
	// The placeholder dominates the update; room for it and the few
	// dictionaries saves the buffer's doublings.
	w.buf.Grow(2*opts.ContentsSize + 4096)
	if last, err := lastByte(doc); err != nil {
		return nil, err
	} else if last != '\n' && last != '\r' {
		w.buf.WriteByte('\n')
	}
	root := clone(doc.root)
	rootChanged := false

	// AcroForm: direct in the catalog, indirect, or absent (ISO 32000-1 §12.7.2).
	var form Dict
	var formRef *Ref
	switch v := root["AcroForm"].(type) {
	case nil:
		form = Dict{}
		rootChanged = true
	case Dict:
		form = clone(v)
		rootChanged = true
	case Ref:
		o, err := doc.object(v)
		if err != nil {
			return nil, err
		}
		d, ok := o.(Dict)
		if !ok {
			return nil, fmt.Errorf("%w: /AcroForm is not a dictionary", ErrDamaged)
		}
		form, formRef = clone(d), &v
	default:
		return nil, fmt.Errorf("%w: /AcroForm is not a dictionary", ErrDamaged)
	}
	fields, err := doc.array(form["Fields"])
	if err != nil {
		return nil, err
	}
	names := map[string]bool{}
	sigs := 0
	for _, f := range fields {
		ref, ok := f.(Ref)
		if !ok {
			continue
		}
		o, err := doc.object(ref)
		if err != nil {
			return nil, err
		}
		if d, ok := o.(Dict); ok {
			if t, ok := d["T"].(String); ok {
				names[string(t)] = true
			}
			if d["FT"] == Name("Sig") {
				sigs++
			}
		}
	}
	if opts.Certify != 0 {
		if opts.Certify < 1 || opts.Certify > 3 {
			return nil, fmt.Errorf("certification permission must be 1, 2 or 3, not %d", opts.Certify)
		}
		// ISO 32000-1 §12.8.1: a certification signature is the first one.
		if sigs > 0 {
			return nil, fmt.Errorf("%w: a certification signature must be the document's first signature", ErrUnsupportedPDF)
		}
	}
	if opts.DocTimeStamp && (opts.Certify != 0 || opts.Visible != nil) {
		return nil, errors.New("a document timestamp is invisible and certifies nothing")
	}
	// A document timestamp is an LTV update, which validators (pyHanko
	// among them) accept at every DocMDP level, P=1 included.
	if perms, ok := root["Perms"].(Dict); ok && perms["DocMDP"] != nil && !opts.DocTimeStamp && sigsForbidden(doc, perms) {
		return nil, fmt.Errorf("%w: the document is certified with no changes allowed (DocMDP P=1)", ErrUnsupportedPDF)
	}
	prefix := "Signature"
	if opts.DocTimeStamp {
		prefix = "Timestamp"
	}
	fieldName := ""
	for i := 1; ; i++ {
		fieldName = prefix + strconv.Itoa(i)
		if !names[fieldName] {
			break
		}
	}

	pageNo := 1
	if opts.Visible != nil {
		pageNo = opts.Visible.Page
	}
	pageRef, page, pageAttrs, err := doc.pageInherited(pageNo)
	if err != nil {
		return nil, err
	}

	sigRef, widgetRef := w.alloc(), w.alloc()

	// The signature dictionary (ISO 32000-1 §12.8.1, ETSI EN 319 142-1 §5.3).
	sig := &bytes.Buffer{}
	sig.Grow(2*opts.ContentsSize + 512)
	if opts.DocTimeStamp {
		// ETSI EN 319 142-1 §5.4.3: the token alone says when; no /M.
		sig.WriteString("<</Type /DocTimeStamp /Filter /Adobe.PPKLite /SubFilter /ETSI.RFC3161")
	} else {
		sig.WriteString("<</Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached")
		producer := opts.Producer
		if producer == "" {
			producer = "Siegel"
		}
		sig.WriteString(" /Prop_Build <</App <</Name ")
		writeName(sig, Name(producer))
		sig.WriteString(">> >>")
		sig.WriteString(" /M ")
		writeValue(sig, dateString(opts.Time))
		for _, kv := range []struct {
			k Name
			v string
		}{{"Reason", opts.Reason}, {"Location", opts.Location}, {"ContactInfo", opts.Contact}} {
			if kv.v != "" {
				sig.WriteByte(' ')
				writeName(sig, kv.k)
				sig.WriteByte(' ')
				writeValue(sig, textString(kv.v))
			}
		}
		if opts.Certify != 0 {
			fmt.Fprintf(sig, " /Reference [<</Type /SigRef /TransformMethod /DocMDP /TransformParams <</Type /TransformParams /P %d /V /1.2>> >>]", opts.Certify)
		}
	}
	sig.WriteString(" /ByteRange ")
	brAt := sig.Len()
	sig.WriteString(string(bytes.Repeat([]byte(" "), byteRangeWidth)))
	sig.WriteString(" /Contents ")
	holeAt := sig.Len()
	sig.WriteByte('<')
	sig.Write(bytes.Repeat([]byte("0"), 2*opts.ContentsSize))
	sig.WriteByte('>')
	sig.WriteString(">>")

	sigOffset := int(w.pos()-doc.size) + len(fmt.Sprintf("%d %d obj\n", sigRef.ID, sigRef.Gen))
	w.object(sigRef, Raw(sig.String()))
	u := &update{fieldName: fieldName}
	u.holeStart = sigOffset + holeAt
	u.holeEnd = u.holeStart + 2*opts.ContentsSize + 2
	brStart := sigOffset + brAt

	widget := Dict{
		"Type": Name("Annot"), "Subtype": Name("Widget"), "FT": Name("Sig"),
		"T": textString(fieldName), "V": sigRef, "F": int64(132), // print, locked
		"P": pageRef, "Rect": Array{0, 0, 0, 0},
	}
	if v := opts.Visible; v != nil {
		if v.W <= 0 || v.H <= 0 {
			return nil, errors.New("visible signature needs a positive width and height")
		}
		g, err := doc.geometry(pageAttrs)
		if err != nil {
			return nil, fmt.Errorf("page %d: %w", pageNo, err)
		}
		// The stamp is placed on the page as displayed; a little slack
		// absorbs rounding in a caller's conversion to points.
		const slack = 0.01
		pw, ph := g.size()
		if !(v.X >= -slack && v.Y >= -slack && v.X+v.W <= pw+slack && v.Y+v.H <= ph+slack) {
			return nil, fmt.Errorf("visible signature at %g,%g (%g x %g points) lies outside page %d, which is %g x %g points as displayed",
				v.X, v.Y, v.W, v.H, pageNo, pw, ph)
		}
		rx, ry, rw, rh := g.toUser(v.X, v.Y, v.W, v.H)
		widget["Rect"] = Array{rx, ry, rx + rw, ry + rh}
		ap, err := appearance(w, v, g.matrix())
		if err != nil {
			return nil, err
		}
		widget["AP"] = Dict{"N": ap}
	}
	w.object(widgetRef, widget)

	// The page lists the widget among its annotations.
	annots, err := doc.array(page["Annots"])
	if err != nil {
		return nil, err
	}
	page = clone(page)
	page["Annots"] = append(append(Array{}, annots...), widgetRef)
	w.object(pageRef, page)

	form["Fields"] = append(append(Array{}, fields...), widgetRef)
	flags, _ := form["SigFlags"].(int64)
	form["SigFlags"] = flags | 3 // SignaturesExist | AppendOnly
	if formRef != nil {
		w.object(*formRef, form)
	} else {
		root["AcroForm"] = form
	}
	if opts.Certify != 0 {
		perms, _ := root["Perms"].(Dict)
		perms = clone(perms)
		perms["DocMDP"] = sigRef
		root["Perms"] = perms
		rootChanged = true
	}
	if rootChanged {
		w.object(doc.rootRef, root)
	}
	w.writeXref()

	u.data = w.buf.Bytes()
	total := doc.size + int64(len(u.data))
	a, b := doc.size+int64(u.holeStart), doc.size+int64(u.holeEnd)
	u.byteRange = [4]int64{0, a, b, total - b}
	br := fmt.Sprintf("[0 %d %d %d]", a, b, total-b)
	if len(br) > byteRangeWidth {
		return nil, fmt.Errorf("%w: file too large", ErrUnsupportedPDF)
	}
	copy(u.data[brStart:], br)
	return u, nil
}

// sigsForbidden reports whether the certification signature referenced by
// /Perms /DocMDP forbids any change, a new signature included.
func sigsForbidden(doc *document, perms Dict) bool {
	ref, ok := perms["DocMDP"].(Ref)
	if !ok {
		return false
	}
	o, err := doc.object(ref)
	if err != nil {
		return false
	}
	d, _ := o.(Dict)
	refs, _ := d["Reference"].(Array)
	for _, r := range refs {
		sr, _ := r.(Dict)
		if sr["TransformMethod"] != Name("DocMDP") {
			continue
		}
		tp, _ := sr["TransformParams"].(Dict)
		if p, ok := tp["P"].(int64); ok && p == 1 {
			return true
		}
	}
	return false
}

func lastByte(doc *document) (byte, error) {
	b := make([]byte, 1)
	_, err := doc.f.ReadAt(b, doc.size-1)
	return b[0], err
}

func clone(d Dict) Dict {
	c := Dict{}
	for k, v := range d {
		c[k] = v
	}
	return c
}
