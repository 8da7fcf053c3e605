// Package audit finds what in a PDF could make the document one viewer
// shows differ from what another shows, or change after it is signed, so
// that a signer knows before signing (SigV §16(3): what is shown is what is
// signed).
//
// Inspect walks the catalog and its trees with the guarded reader of
// package pades and reports findings, each with a severity and a sentence a
// non-expert understands:
//
//   - actions and JavaScript (ISO 32000-1 §12.6: OpenAction, AA, Launch;
//     §12.6.4.16 and the JavaScript name tree, §7.7.4),
//   - XFA forms (§12.7.8),
//   - embedded files (§7.11.4, file attachment annotations §12.5.6.15),
//   - optional content that is off by default (§8.11.4.3),
//   - annotations flagged Hidden or NoView (§12.5.3),
//   - form fields without appearance streams (§12.7.3.3, NeedAppearances
//     §12.7.2),
//   - fonts that are not embedded (§9.8, §9.9),
//   - earlier revisions (incremental updates, §7.5.6) and signatures
//     (§12.8), DocMDP permissions that forbid further signatures
//     (§12.8.2.2),
//   - encryption (§7.6) and a cross-reference table that needs repair
//     (§7.5.4).
//
// Blocking findings make signing refuse unless the signer overrides them
// deliberately; the override is the caller's (UI, CLI) business.
package audit

import (
	"fmt"
	"sort"
)

// Severity says how much a finding matters for signing.
type Severity int

const (
	// Info is worth knowing and changes nothing.
	Info Severity = iota
	// Warning may make another viewer show the document differently.
	Warning
	// Blocking means the document cannot be displayed reliably: signing
	// needs a deliberate override.
	Blocking
)

// String returns "info", "warning" or "blocking".
func (s Severity) String() string {
	switch s {
	case Info:
		return "info"
	case Warning:
		return "warning"
	case Blocking:
		return "blocking"
	}
	return fmt.Sprintf("severity(%d)", int(s))
}

// Finding codes: stable identifiers for scripts and translations.
const (
	CodeJavaScript         = "javascript"
	CodeOpenAction         = "open-action"
	CodeAdditionalActions  = "additional-actions"
	CodeLaunchAction       = "launch-action"
	CodeXFA                = "xfa"
	CodeEmbeddedFiles      = "embedded-files"
	CodeHiddenLayers       = "hidden-layers"
	CodeHiddenAnnotations  = "hidden-annotations"
	CodeFieldsNoAppearance = "fields-without-appearance"
	CodeFontsNotEmbedded   = "fonts-not-embedded"
	CodeEarlierRevisions   = "earlier-revisions"
	CodeEarlierSignatures  = "earlier-signatures"
	CodeDocMDPForbids      = "docmdp-forbids-signing"
	CodeEncrypted          = "encrypted"
	CodeDamagedXref        = "damaged-xref"
)

// severities are the fixed severity of each code, and why.
var severities = map[string]Severity{
	// Scripts and launched programs can change what is displayed, or do
	// anything, depending on the viewer: what is signed is not what shows.
	CodeJavaScript:   Blocking,
	CodeLaunchAction: Blocking,
	// XFA content is drawn by some viewers only, and may be dynamic.
	CodeXFA: Blocking,
	// Content that is off by default or hidden can be switched on by
	// another viewer or the reader: the signer did not see it.
	CodeHiddenLayers:      Blocking,
	CodeHiddenAnnotations: Blocking,
	// A certified document with no changes allowed breaks on any new
	// signature.
	CodeDocMDPForbids: Blocking,
	// Signing an encrypted file is not supported; a file that needs repair
	// may be repaired differently by each viewer.
	CodeEncrypted:   Blocking,
	CodeDamagedXref: Blocking,
	// Actions without script (jump, open a link, submit) do not change the
	// document, but may do something when it is opened.
	CodeOpenAction:        Warning,
	CodeAdditionalActions: Warning,
	// Viewers draw a missing field appearance or font themselves, each
	// its own way; attachments are signed but not shown.
	CodeFieldsNoAppearance: Warning,
	CodeEmbeddedFiles:      Warning,
	CodeFontsNotEmbedded:   Warning,
	// History: normal for signed and edited documents.
	CodeEarlierRevisions:  Info,
	CodeEarlierSignatures: Info,
}

// Finding is one thing the audit found.
type Finding struct {
	Code      string
	Severity  Severity
	Message   string // English, for a non-expert
	MessageDE string // German
	MessageSL string // Slovenian
	Objects   []int  // object numbers where it was found, when known
	Pages     []int  // 1-based page numbers, when known
}

// Report is the audit of one file.
type Report struct {
	File      string
	Revisions int
	Pages     int
	Findings  []Finding
}

// Blocking reports whether any finding is blocking.
func (r *Report) Blocking() bool {
	for _, f := range r.Findings {
		if f.Severity == Blocking {
			return true
		}
	}
	return false
}

// Has returns the finding with code, if any.
func (r *Report) Has(code string) (Finding, bool) {
	for _, f := range r.Findings {
		if f.Code == code {
			return f, true
		}
	}
	return Finding{}, false
}

// message returns the English, German and Slovenian sentence for code; n
// is how many things were found, names a few of them.
func message(code string, n int, names string) (en, de, sl string) {
	en, de = messageEnDe(code, n, names)
	return en, de, messageSL(code, n, names)
}

// messageSL is the Slovenian sentence for code, with Slovenian's four
// number forms (one, two, three or four, five and more).
func messageSL(code string, n int, names string) string {
	switch code {
	case CodeJavaScript:
		return "Dokument vsebuje JavaScript, ki lahko glede na pregledovalnik spremeni, kaj je prikazano."
	case CodeOpenAction:
		return "Dokument ob odprtju izvede dejanje (na primer odpre povezavo ali pošlje obrazec)."
	case CodeAdditionalActions:
		return pluralSL(n, "Na enem mestu dokument izvaja", "Na %d mestih dokument izvaja", "Na %d mestih dokument izvaja", "Na %d mestih dokument izvaja") + " dejanja ob dogodkih, kot sta odprtje strani ali izhod iz polja."
	case CodeLaunchAction:
		return "Dokument lahko zažene druge programe ali odpre druge datoteke."
	case CodeXFA:
		return "Dokument vsebuje obrazec XFA, ki ga mnogi pregledovalniki prikažejo drugače ali sploh ne."
	case CodeEmbeddedFiles:
		return "Dokument vsebuje " + pluralSL(n, "priloženo datoteko, ki je prav tako podpisana, vendar ni prikazana", "%d priloženi datoteki, ki sta prav tako podpisani, vendar nista prikazani",
			"%d priložene datoteke, ki so prav tako podpisane, vendar niso prikazane", "%d priloženih datotek, ki so prav tako podpisane, vendar niso prikazane") + " na straneh."
	case CodeHiddenLayers:
		return "Dokument ima " + pluralSL(n, "izklopljeno plast", "%d izklopljeni plasti", "%d izklopljene plasti", "%d izklopljenih plasti") + "; vsebina zdaj ni prikazana, vendar jo je mogoče vklopiti."
	case CodeHiddenAnnotations:
		// Counted in brackets: "opomba" and "element" differ in gender.
		return "Dokument ima " + pluralSL(n, "skrito opombo ali element obrazca, ki ga", "skrite opombe ali elemente obrazca (%d), ki jih",
			"skrite opombe ali elemente obrazca (%d), ki jih", "skrite opombe ali elemente obrazca (%d), ki jih") + " zaslon ne prikaže."
	case CodeFieldsNoAppearance:
		return pluralSL(n, "Polje obrazca nima", "%d polji obrazca nimata", "%d polja obrazca nimajo", "%d polj obrazca nima") + " stalnega videza; vsak pregledovalnik vrednosti prikaže po svoje."
	case CodeFontsNotEmbedded:
		return pluralSL(n, "Pisava ni vdelana", "%d pisavi nista vdelani", "%d pisave niso vdelane", "%d pisav ni vdelanih") + " (" + names + "); drugi računalniki lahko besedilo prikažejo v drugi pisavi."
	case CodeEarlierRevisions:
		return "Datoteka je bila po prvem shranjevanju spremenjena " + pluralSL(n, "enkrat", "%d-krat", "%d-krat", "%d-krat") + "; prejšnje različice so shranjene v njej."
	case CodeEarlierSignatures:
		return "Dokument že nosi " + pluralSL(n, "podpis", "%d podpisa", "%d podpise", "%d podpisov") + "."
	case CodeDocMDPForbids:
		return "Dokument je certificiran in ne dovoljuje sprememb; nov podpis bi razveljavil certifikacijo."
	case CodeEncrypted:
		return "Dokument je šifriran; Siegel njegove vsebine ne more ne preveriti ne podpisati."
	case CodeDamagedXref:
		return "Datoteka je poškodovana; pregledovalniki jo popravijo vsak po svoje, zato lahko prikažejo različno vsebino."
	}
	return code
}

// pluralSL picks the Slovenian form for n: one (1, 101, …), two (2,
// 102, …), few (3, 4, 103, …) or many, with n filled into the last three.
func pluralSL(n int, one, two, few, many string) string {
	if n == 1 {
		return one
	}
	switch n % 100 {
	case 1: // 101, 201: the one forms name no number; the many form is close enough
		return fmt.Sprintf(many, n)
	case 2:
		return fmt.Sprintf(two, n)
	case 3, 4:
		return fmt.Sprintf(few, n)
	}
	return fmt.Sprintf(many, n)
}

func messageEnDe(code string, n int, names string) (en, de string) {
	switch code {
	case CodeJavaScript:
		return "The document contains JavaScript, which can change what is shown depending on the viewer.",
			"Das Dokument enthält JavaScript, das je nach Anzeigeprogramm verändern kann, was angezeigt wird."
	case CodeOpenAction:
		return "The document runs an action when it is opened (for example opening a link or submitting a form).",
			"Das Dokument führt beim Öffnen eine Aktion aus (zum Beispiel einen Link öffnen oder ein Formular senden)."
	case CodeAdditionalActions:
		return plural(n, "One place in the document runs actions", "%d places in the document run actions") + " on events such as opening a page or leaving a field.",
			plural(n, "An einer Stelle", "An %d Stellen") + " führt das Dokument Aktionen bei Ereignissen aus, etwa beim Öffnen einer Seite oder Verlassen eines Feldes."
	case CodeLaunchAction:
		return "The document can start other programs or open other files.",
			"Das Dokument kann andere Programme starten oder andere Dateien öffnen."
	case CodeXFA:
		return "The document contains an XFA form, which many viewers show differently or not at all.",
			"Das Dokument enthält ein XFA-Formular, das viele Anzeigeprogramme anders oder gar nicht darstellen."
	case CodeEmbeddedFiles:
		return "The document carries " + plural(n, "an attached file; it is", "%d attached files; they are") + " signed too, but not shown on the pages.",
			"Das Dokument enthält " + plural(n, "eine angehängte Datei; sie wird", "%d angehängte Dateien; sie werden") + " mit unterschrieben, aber nicht auf den Seiten angezeigt."
	case CodeHiddenLayers:
		return "The document has " + plural(n, "a layer that is", "%d layers that are") + " switched off; what is on them is not shown now but can be switched on.",
			"Das Dokument hat " + plural(n, "eine ausgeblendete Ebene", "%d ausgeblendete Ebenen") + "; ihr Inhalt ist jetzt nicht sichtbar, kann aber eingeblendet werden."
	case CodeHiddenAnnotations:
		return "The document has " + plural(n, "a hidden comment or form element", "%d hidden comments or form elements") + " that the screen does not show.",
			"Das Dokument hat " + plural(n, "einen verborgenen Kommentar oder ein verborgenes Formularelement", "%d verborgene Kommentare oder Formularelemente") + ", die am Bildschirm nicht angezeigt werden."
	case CodeFieldsNoAppearance:
		return plural(n, "A form field has", "%d form fields have") + " no fixed appearance; each viewer draws the values its own way.",
			plural(n, "Ein Formularfeld hat", "%d Formularfelder haben") + " kein festes Aussehen; jedes Anzeigeprogramm stellt die Werte auf eigene Weise dar."
	case CodeFontsNotEmbedded:
		return plural(n, "A font is", "%d fonts are") + " not embedded (" + names + "); other computers may show the text in a different font.",
			plural(n, "Eine Schrift ist", "%d Schriften sind") + " nicht eingebettet (" + names + "); andere Computer zeigen den Text womöglich in einer anderen Schrift."
	case CodeEarlierRevisions:
		return "The file was changed " + plural(n, "once", "%d times") + " after it was first saved; the earlier versions are kept inside it.",
			"Die Datei wurde nach dem ersten Speichern " + plural(n, "einmal", "%d-mal") + " geändert; die früheren Fassungen sind in ihr enthalten."
	case CodeEarlierSignatures:
		return "The document already carries " + plural(n, "a signature", "%d signatures") + ".",
			"Das Dokument trägt bereits " + plural(n, "eine Signatur", "%d Signaturen") + "."
	case CodeDocMDPForbids:
		return "The document is certified with no changes allowed; a new signature would break the certification.",
			"Das Dokument ist zertifiziert und erlaubt keine Änderungen; eine neue Signatur würde die Zertifizierung brechen."
	case CodeEncrypted:
		return "The document is encrypted; Siegel cannot check or sign its content.",
			"Das Dokument ist verschlüsselt; Siegel kann seinen Inhalt weder prüfen noch unterschreiben."
	case CodeDamagedXref:
		return "The file is damaged; viewers repair it, each its own way, so they may show different content.",
			"Die Datei ist beschädigt; Anzeigeprogramme reparieren sie jeweils auf eigene Weise und zeigen womöglich unterschiedliche Inhalte."
	}
	return code, code
}

// plural returns one when n is 1, else many with n filled in.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return fmt.Sprintf(many, n)
}

// collector gathers findings by code.
type collector struct {
	byCode map[string]*entry
}

type entry struct {
	keys    map[string]bool // what is counted: each thing once
	objects map[int]bool
	pages   map[int]bool
}

// add records code for the thing named key (counted once however often it
// is found) at object obj and page (0 when unknown).
func (c *collector) add(code, key string, obj, page int) *entry {
	if c.byCode == nil {
		c.byCode = map[string]*entry{}
	}
	e := c.byCode[code]
	if e == nil {
		e = &entry{keys: map[string]bool{}, objects: map[int]bool{}, pages: map[int]bool{}}
		c.byCode[code] = e
	}
	e.keys[key] = true
	if obj > 0 {
		e.objects[obj] = true
	}
	if page > 0 {
		e.pages[page] = true
	}
	return e
}

// findings returns one finding per code, most severe first, then by code.
func (c *collector) findings() []Finding {
	out := []Finding{}
	for code, e := range c.byCode {
		keys := make([]string, 0, len(e.keys))
		for k := range e.keys {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		names := ""
		for i, n := range keys {
			if i == 5 {
				names += ", …"
				break
			}
			if i > 0 {
				names += ", "
			}
			names += n
		}
		en, de, sl := message(code, len(e.keys), names)
		out = append(out, Finding{Code: code, Severity: severities[code], Message: en, MessageDE: de, MessageSL: sl,
			Objects: sortedKeys(e.objects), Pages: sortedKeys(e.pages)})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Severity != out[j].Severity {
			return out[i].Severity > out[j].Severity
		}
		return out[i].Code < out[j].Code
	})
	return out
}

func sortedKeys(m map[int]bool) []int {
	out := []int{}
	for k := range m {
		out = append(out, k)
	}
	sort.Ints(out)
	return out
}
