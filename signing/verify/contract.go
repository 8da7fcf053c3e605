package verify

// Modifications kinds: what the revisions after a signature changed.
const (
	ModNone       = "none"       // the signature covers the whole file
	ModAllowed    = "allowed"    // only changes its permissions allow
	ModDisallowed = "disallowed" // at least one change it does not allow
)

// Modifications says what later revisions changed in the document a
// signature covers (filled by the modification analysis).
type Modifications struct {
	Kind string // ModNone, ModAllowed or ModDisallowed; "" before analysis
	// Changes are short English phrases, one per change found, e.g.
	// "annotation added on page 1", "content of page 2 replaced".
	Changes []string
	// ChangeTexts are the Changes, index for index, as format keys and
	// arguments, for translation (text.go).
	ChangeTexts []Text `json:"-"`
}

// Qualified statuses (EU Regulation 910/2014): a qualified electronic
// signature or seal, an advanced one with a qualified certificate, an
// advanced one, or not determinable.
const (
	QES      = "QES"
	QESeal   = "QESeal"
	AdESQC   = "AdES-QC"
	AdES     = "AdES"
	QUnknown = "unknown"
)

// Revocation sources and statuses of Signature.Revocation.
const (
	RevSourceEmbedded = "embedded" // CMS revocation info, /DSS, adbe-revocationInfoArchival
	RevSourceOnline   = "online"   // fetched during verification (--online)
	RevSourceNone     = "none"     // no revocation data found or checked

	RevStatusGood       = "good"
	RevStatusRevoked    = "revoked"
	RevStatusUnknown    = "unknown"
	RevStatusNotChecked = "not checked"
)

// Revocation is how the signer's certificate was checked for revocation.
type Revocation struct {
	Source string // RevSource…
	Status string // RevStatus…
}
