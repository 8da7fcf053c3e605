package verify

import (
	"archive/zip"
	"bytes"
	"crypto"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"
)

// ASiC-E containers (ETSI EN 319 162-1): a ZIP with the data files, a
// "mimetype" entry first, and in META-INF/ the signatures: CAdES
// (*signatures*.p7s, each over an ASiCManifest*.xml that lists the data
// files with their digests; asic_cades.go) and XAdES (*signatures*.xml,
// an XAdESSignatures element with ds:Signatures that reference the data
// files directly; asic_xades.go).

// ErrContainer is wrapped by VerifyASiC's error for a file that is not a
// usable ASiC-E container: not a ZIP, a wrong or missing mimetype, names
// that leave the container, or sizes beyond the limits below.
var ErrContainer = errors.New("not a valid ASiC-E container")

// WholeContainer is the Coverage of an ASiC-E signature that covers every
// data file of the container; one that covers fewer is Partial.
const WholeContainer Coverage = "whole container"

// asicMimeType is the content of the "mimetype" entry (EN 319 162-1 §A.1).
const asicMimeType = "application/vnd.etsi.asic-e+zip"

// Limits of a container: memory and time stay bounded for hostile files.
const (
	maxASiCEntries = 10000
	maxASiCMeta    = 16 << 20 // a signature or manifest file, read into memory
	maxASiCMetaAll = 64 << 20 // all signature and manifest files read
	maxASiCEntry   = 4 << 30  // a data file, hashed as a stream
	maxASiCTotal   = 16 << 30 // all entries, uncompressed
	// A compressed entry that inflates more than maxASiCRatio times, and
	// to more than asicRatioFloor bytes, is refused as a ZIP bomb.
	maxASiCRatio   = 200
	asicRatioFloor = 1 << 20
)

// container is an opened ASiC-E ZIP.
type container struct {
	path    string
	zr      *zip.ReadCloser
	entries map[string]*zip.File
	data    []string // data files, sorted
	digests map[digestKey][]byte
	// metaBudget is what read may still return in all (maxASiCMetaAll).
	metaBudget int64
	manifests  map[string]*asicManifest // asicManifests, read once
	badMan     map[string]error
}

type digestKey struct {
	name string
	h    crypto.Hash
}

// openASiC opens and checks the ZIP structure; the caller closes zr.
func openASiC(p string) (*container, error) {
	zr, err := zip.OpenReader(p)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrContainer, err)
	}
	c := &container{path: p, zr: zr, entries: map[string]*zip.File{}, digests: map[digestKey][]byte{}, metaBudget: maxASiCMetaAll}
	fail := func(format string, args ...any) (*container, error) {
		zr.Close()
		return nil, fmt.Errorf("%w: "+format, append([]any{ErrContainer}, args...)...)
	}
	if len(zr.File) > maxASiCEntries {
		return fail("%d entries, more than %d", len(zr.File), maxASiCEntries)
	}
	if len(zr.File) == 0 {
		return fail("the ZIP is empty")
	}
	// EN 319 162-1 §A.1: "mimetype" is the first entry, stored, and
	// names the ASiC-E media type.
	mt := zr.File[0]
	if mt.Name != "mimetype" {
		return fail("the first entry is %q, not \"mimetype\"", mt.Name)
	}
	if mt.Method != zip.Store {
		return fail("the mimetype entry is compressed; it must be stored")
	}
	var total uint64
	for _, f := range zr.File {
		name := f.Name
		if err := checkEntryName(name); err != nil {
			return fail("%v", err)
		}
		if _, dup := c.entries[name]; dup {
			return fail("the entry %q appears twice", name)
		}
		if f.UncompressedSize64 > maxASiCEntry {
			return fail("the entry %q is larger than %d GiB", name, maxASiCEntry>>30)
		}
		if f.Method != zip.Store && f.UncompressedSize64 > asicRatioFloor &&
			f.UncompressedSize64/maxASiCRatio > f.CompressedSize64 {
			return fail("the entry %q inflates %d bytes to %d (a ZIP bomb?)", name, f.CompressedSize64, f.UncompressedSize64)
		}
		if total += f.UncompressedSize64; total > maxASiCTotal {
			return fail("the entries are larger than %d GiB together", maxASiCTotal>>30)
		}
		if strings.HasSuffix(name, "/") {
			continue // a directory entry
		}
		c.entries[name] = f
		if name != "mimetype" && !strings.HasPrefix(name, "META-INF/") {
			c.data = append(c.data, name)
		}
	}
	m, err := c.read("mimetype", 256)
	if err != nil {
		return fail("%v", err)
	}
	if string(m) != asicMimeType {
		return fail("the mimetype is %q, not %q", truncate(string(m), 80), asicMimeType)
	}
	sort.Strings(c.data)
	return c, nil
}

// checkEntryName refuses names that would leave a directory the
// container were extracted to, or that mean different files on
// different systems.
func checkEntryName(name string) error {
	clean := strings.TrimSuffix(name, "/")
	switch {
	case name == "" || clean == "":
		return errors.New("an entry has no name")
	case strings.ContainsAny(name, "\\\x00") || strings.Contains(name, ":"):
		return fmt.Errorf("the entry name %q has a backslash, colon or NUL", truncate(name, 80))
	case !fs.ValidPath(clean):
		// Absolute, "..", "." or empty elements.
		return fmt.Errorf("the entry name %q leaves the container or is not a plain path", truncate(name, 80))
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// read returns an entry's bytes, at most limit; more is an error. All
// reads together are bounded by maxASiCMetaAll.
func (c *container) read(name string, limit int64) ([]byte, error) {
	f, ok := c.entries[name]
	if !ok {
		return nil, fmt.Errorf("%s is not in the container", name)
	}
	if f.UncompressedSize64 > uint64(limit) {
		return nil, fmt.Errorf("%s is larger than %d bytes", name, limit)
	}
	if f.UncompressedSize64 > uint64(c.metaBudget) {
		return nil, fmt.Errorf("%s: the signature and manifest files are larger than %d MiB together", name, maxASiCMetaAll>>20)
	}
	c.metaBudget -= int64(f.UncompressedSize64)
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s is larger than %d bytes", name, limit)
	}
	return b, nil
}

// digest hashes an entry as a stream; archive/zip checks the size and
// CRC-32 the central directory declares, so an entry cannot inflate
// beyond what openASiC accepted.
func (c *container) digest(name string, h crypto.Hash) ([]byte, error) {
	k := digestKey{name, h}
	if d, ok := c.digests[k]; ok {
		return d, nil
	}
	f, ok := c.entries[name]
	if !ok {
		return nil, fmt.Errorf("%s is not in the container", name)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	defer rc.Close()
	w := h.New()
	n, err := io.Copy(w, io.LimitReader(rc, int64(f.UncompressedSize64)+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	if uint64(n) != f.UncompressedSize64 {
		return nil, fmt.Errorf("%s: its size is not the one the ZIP declares", name)
	}
	d := w.Sum(nil)
	c.digests[k] = d
	return d, nil
}

// isData says whether name is a data file of the container.
func (c *container) isData(name string) bool {
	i := sort.SearchStrings(c.data, name)
	return i < len(c.data) && c.data[i] == name
}

// signatureFiles are the META-INF entries EN 319 162-1 §4.4.3 names as
// signatures, sorted: *signature*.p7s (CAdES) and *signatures*.xml
// (XAdES), directly in META-INF/. "signature" is accepted for both, as
// verifiers commonly do.
func (c *container) signatureFiles() (cades, xades []string) {
	for name := range c.entries {
		dir, base := path.Split(name)
		if dir != "META-INF/" || !strings.Contains(strings.ToLower(base), "signature") {
			continue
		}
		switch strings.ToLower(path.Ext(base)) {
		case ".p7s":
			cades = append(cades, name)
		case ".xml":
			xades = append(xades, name)
		}
	}
	sort.Strings(cades)
	sort.Strings(xades)
	return cades, xades
}

// VerifyASiC checks every signature of the ASiC-E container (ETSI EN 319
// 162-1, .asice/.sce) at path: one Signature per CAdES signature file and
// per ds:Signature of a XAdES signature file, with Field the signature
// file's name (and "#" and the ds:Signature's Id when a XAdES file holds
// several). Each signature checks the digests of the files it
// references; Covers lists them, and Coverage is WholeContainer when they
// are all of Report.Files, else Partial with a problem naming the files
// it leaves out (that alone does not change the indication: a container
// may hold files signed by different people). Report.Unsigned are the
// files no intact signature covers. Trust, revocation, level and
// qualified status are judged as for a detached CMS (VerifyDetached).
//
// It fails only when the container cannot be processed: not a ZIP, a
// wrong mimetype, limits exceeded (ErrContainer), or no signature file
// (ErrNoSignature).
func VerifyASiC(path string, opts Options) (*Report, error) {
	c, err := openASiC(path)
	if err != nil {
		return nil, fmt.Errorf("verify %s: %w", path, err)
	}
	defer c.zr.Close()
	cades, xades := c.signatureFiles()
	if len(cades)+len(xades) == 0 {
		return nil, fmt.Errorf("verify %s: %w", path, ErrNoSignature)
	}
	v := &pdfVerifier{opts: opts, now: opts.now()}
	rep := &Report{File: path, Indication: TotalPassed, Files: append([]string{}, c.data...)}
	for _, name := range cades {
		rep.Signatures = append(rep.Signatures, v.asicCAdES(c, name))
	}
	for _, name := range xades {
		rep.Signatures = append(rep.Signatures, v.asicXAdES(c, name)...)
	}
	v.finish(rep.Signatures)
	covered := map[string]bool{}
	for i := range rep.Signatures {
		s := &rep.Signatures[i]
		if s.Intact {
			for _, f := range s.Covers {
				covered[f] = true
			}
		}
		if s.Indication.rank() > rep.Indication.rank() {
			rep.Indication = s.Indication
		}
	}
	for _, f := range c.data {
		if !covered[f] {
			rep.Unsigned = append(rep.Unsigned, f)
		}
	}
	return rep, nil
}

// setCoverage sets Covers and Coverage of an ASiC-E signature from the
// data files whose digests it checked.
func (c *container) setCoverage(s *Signature, covers map[string]bool) {
	s.Covers = nil
	for f := range covers {
		s.Covers = append(s.Covers, f)
	}
	sort.Strings(s.Covers)
	var missing []string
	for _, f := range c.data {
		if !covers[f] {
			missing = append(missing, f)
		}
	}
	if len(missing) == 0 {
		s.Coverage = WholeContainer
		return
	}
	s.Coverage = Partial
	s.note(tf("The signature does not cover these files of the container: %s.", quoteList(missing)))
}

func quoteList(names []string) string {
	const show = 20
	var b bytes.Buffer
	for i, n := range names {
		if i == show {
			fmt.Fprintf(&b, " and %d more", len(names)-show)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%q", n)
	}
	return b.String()
}
