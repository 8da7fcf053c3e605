package report

import (
	"fmt"
	"strings"

	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"

	"github.com/siegel-app/siegel/signing/verify"
)

// labels are the words of a report in one language. The engine's problem
// sentences and change phrases are translated apart, by app/verifytext.
type labels struct {
	lang, title, intro                                string
	verifiedAt, validatedAt, software, anchors        string
	systemStore, file, none, revSources, embedded     string
	crlFile, online, offline, signedData              string
	notProcessed, signatures, signature, docTimestamp string
	result, integrity, intact, notIntact, signer      string
	issuer, serial, chain, noChain, unknown           string
	signingTime, fromTimestamp, claimed, notStated    string
	covers, revision, changes, level, qualified       string
	revocation, reason, problems, page, field         string
	signatureOne                                      string
	euAnchors, trustLists, tlWarnings, lotl           string
	sequence, issued, notUsed, qualUnknown            string
	passed, failedWord, indeterminate                 string
	wholeFile, wholeRevision, partial                 string
	wholeContainer                                    string
	modNone, modAllowed, modDisallowed, modUnknown    string
	revSource                                         map[string]string
	revStatus                                         map[string]string
	// counted are the words after a number of signatures by CLDR plural
	// form: Slovenian has four (1 podpis, 2 podpisa, 3 podpisi, 5
	// podpisov), where signatureOne and signatures give two.
	counted map[plural.Form]string
}

var english = labels{
	lang: "en", title: "Signature verification report",
	intro:      "This report states the result of verifying the electronic signatures of the files below, as established by Siegel at the time given.",
	verifiedAt: "Verified at", validatedAt: "Validated as of", software: "Verified with",
	anchors: "Trust anchors", systemStore: "the system's certificate store", file: "file", none: "none",
	revSources: "Revocation sources", embedded: "data embedded in the files", crlFile: "CRL file",
	online: "online (OCSP, CRL)", offline: "nothing fetched online", signedData: "Signed data",
	notProcessed: "could not be processed", signatures: "Signatures", signature: "Signature",
	docTimestamp: "Document timestamp", result: "Result", integrity: "Integrity",
	intact: "intact: the signed bytes and the signature value verify", notIntact: "not intact",
	signer: "Signer", issuer: "Issuer", serial: "Serial number", chain: "Certificate chain",
	noChain: "none to a trust anchor", unknown: "unknown", signingTime: "Signing time",
	fromTimestamp: "from a timestamp", claimed: "claimed by the signer, not proven",
	notStated: "not stated", covers: "Covers", revision: "revision", changes: "Changes after signing",
	level: "Level", qualified: "Qualified status", revocation: "Revocation", reason: "Reason", page: "page", field: "field", signatureOne: "signature",
	problems: "Findings", passed: "valid", failedWord: "invalid", indeterminate: "indeterminate",
	wholeFile: "the whole file", wholeRevision: "a whole revision; later changes follow", partial: "part of the file",
	wholeContainer: "every file of the container",
	modNone:        "none", modAllowed: "allowed changes only", modDisallowed: "changes that are not allowed",
	modUnknown: "not analysed",
	euAnchors:  "the qualified CAs of the EU trusted lists below", trustLists: "EU trusted lists",
	tlWarnings: "Trusted list warnings", lotl: "list of trusted lists", sequence: "sequence number",
	issued: "issued", notUsed: "not used", qualUnknown: "cannot be determined",
	revSource: map[string]string{verify.RevSourceEmbedded: "embedded", verify.RevSourceOnline: "fetched online",
		verify.RevSourceFile: "from a given CRL file", verify.RevSourceNone: "no revocation data"},
	revStatus: map[string]string{verify.RevStatusGood: "not revoked", verify.RevStatusRevoked: "revoked",
		verify.RevStatusUnknown: "unknown", verify.RevStatusNotChecked: "not checked"},
	counted: map[plural.Form]string{plural.One: "signature", plural.Other: "signatures"},
}

var german = labels{
	lang: "de", title: "Prüfbericht elektronischer Signaturen",
	intro:      "Dieser Bericht gibt das Ergebnis der Prüfung der elektronischen Signaturen der unten genannten Dateien wieder, wie Siegel es zum angegebenen Zeitpunkt festgestellt hat.",
	verifiedAt: "Geprüft am", validatedAt: "Prüfzeitpunkt", software: "Geprüft mit",
	anchors: "Vertrauensanker", systemStore: "Zertifikatsspeicher des Systems", file: "Datei", none: "keine",
	revSources: "Sperrinformationen", embedded: "in den Dateien eingebettete Daten", crlFile: "Sperrliste",
	online: "online (OCSP, Sperrlisten)", offline: "nichts online abgefragt", signedData: "Signierte Daten",
	notProcessed: "konnte nicht geprüft werden", signatures: "Signaturen", signature: "Signatur",
	docTimestamp: "Dokumentzeitstempel", result: "Ergebnis", integrity: "Integrität",
	intact: "unversehrt: signierte Daten und Signaturwert stimmen überein", notIntact: "nicht unversehrt",
	signer: "Unterzeichner", issuer: "Aussteller", serial: "Seriennummer", chain: "Zertifikatskette",
	noChain: "keine zu einem Vertrauensanker", unknown: "unbekannt", signingTime: "Signaturzeitpunkt",
	fromTimestamp: "aus einem Zeitstempel", claimed: "vom Unterzeichner angegeben, nicht nachgewiesen",
	notStated: "nicht angegeben", covers: "Umfang", revision: "Fassung", changes: "Änderungen nach dem Signieren",
	level: "Niveau", qualified: "Qualifizierung", revocation: "Sperrstatus", reason: "Grund", page: "Seite", field: "Feld", signatureOne: "Signatur",
	problems: "Befunde", passed: "gültig", failedWord: "ungültig", indeterminate: "unbestimmt",
	wholeFile: "die ganze Datei", wholeRevision: "eine ganze Fassung; spätere Änderungen folgen", partial: "einen Teil der Datei",
	wholeContainer: "alle Dateien des Containers",
	modNone:        "keine", modAllowed: "nur zulässige Änderungen", modDisallowed: "unzulässige Änderungen",
	modUnknown: "nicht analysiert",
	euAnchors:  "die qualifizierten Zertifizierungsdienste der unten genannten EU-Vertrauenslisten", trustLists: "EU-Vertrauenslisten",
	tlWarnings: "Hinweise zu den Vertrauenslisten", lotl: "Liste der Vertrauenslisten", sequence: "Folgenummer",
	issued: "ausgestellt", notUsed: "nicht verwendet", qualUnknown: "nicht feststellbar",
	revSource: map[string]string{verify.RevSourceEmbedded: "eingebettet", verify.RevSourceOnline: "online abgefragt",
		verify.RevSourceFile: "aus einer angegebenen Sperrliste", verify.RevSourceNone: "keine Sperrinformationen"},
	revStatus: map[string]string{verify.RevStatusGood: "nicht gesperrt", verify.RevStatusRevoked: "gesperrt",
		verify.RevStatusUnknown: "unbekannt", verify.RevStatusNotChecked: "nicht geprüft"},
	counted: map[plural.Form]string{plural.One: "Signatur", plural.Other: "Signaturen"},
}

// The Slovenian words follow the terms of the Slovenian text of eIDAS
// (Regulation (EU) No 910/2014): "potrdilo" for certificate, "preklic"
// for revocation, "časovni žig", "zaupanja vredni seznami".
var slovenian = labels{
	lang: "sl", title: "Poročilo o preverjanju elektronskih podpisov",
	intro:      "To poročilo navaja rezultat preverjanja elektronskih podpisov spodaj navedenih datotek, kot ga je ob navedenem času ugotovil program Siegel.",
	verifiedAt: "Čas preverjanja", validatedAt: "Preverjeno za čas", software: "Preverjeno s programom",
	anchors: "Sidra zaupanja", systemStore: "shramba potrdil sistema", file: "datoteka", none: "brez",
	revSources: "Viri podatkov o preklicu", embedded: "podatki, vdelani v datoteke", crlFile: "datoteka CRL",
	online: "prek spleta (OCSP, CRL)", offline: "nič ni bilo pridobljeno prek spleta", signedData: "Podpisani podatki",
	notProcessed: "ni bilo mogoče obdelati", signatures: "Podpisi", signature: "Podpis",
	docTimestamp: "Časovni žig dokumenta", result: "Rezultat", integrity: "Celovitost",
	intact: "ohranjena: podpisani bajti in vrednost podpisa se ujemajo", notIntact: "ni ohranjena",
	signer: "Podpisnik", issuer: "Izdajatelj", serial: "Serijska številka", chain: "Veriga potrdil",
	noChain: "ni verige do sidra zaupanja", unknown: "neznan", signingTime: "Čas podpisa",
	fromTimestamp: "iz časovnega žiga", claimed: "po navedbi podpisnika, ni dokazano",
	notStated: "ni naveden", covers: "Obseg", revision: "revizija", changes: "Spremembe po podpisu",
	level: "Raven", qualified: "Kvalificiranost", revocation: "Preklic", reason: "Razlog", page: "stran", field: "polje", signatureOne: "podpis",
	problems: "Ugotovitve", passed: "veljaven", failedWord: "neveljaven", indeterminate: "nedoločen",
	wholeFile: "celotna datoteka", wholeRevision: "celotna revizija; sledijo poznejše spremembe", partial: "del datoteke",
	wholeContainer: "vse datoteke vsebnika",
	modNone:        "brez", modAllowed: "samo dovoljene spremembe", modDisallowed: "nedovoljene spremembe",
	modUnknown: "ni analizirano",
	euAnchors:  "kvalificirani overitelji spodaj navedenih zaupanja vrednih seznamov EU", trustLists: "Zaupanja vredni seznami EU",
	tlWarnings: "Opozorila k zaupanja vrednim seznamom", lotl: "seznam zaupanja vrednih seznamov", sequence: "zaporedna številka",
	issued: "izdan", notUsed: "ni uporabljen", qualUnknown: "ni mogoče ugotoviti",
	revSource: map[string]string{verify.RevSourceEmbedded: "vdelano", verify.RevSourceOnline: "pridobljeno prek spleta",
		verify.RevSourceFile: "iz podane datoteke CRL", verify.RevSourceNone: "ni podatkov o preklicu"},
	revStatus: map[string]string{verify.RevStatusGood: "ni preklicano", verify.RevStatusRevoked: "preklicano",
		verify.RevStatusUnknown: "neznano", verify.RevStatusNotChecked: "ni preverjeno"},
	counted: map[plural.Form]string{plural.One: "podpis", plural.Two: "podpisa", plural.Few: "podpisi", plural.Other: "podpisov"},
}

// labelsFor picks German for a language starting with "de", Slovenian
// for one starting with "sl" ("sl", "sl-SI", "sl_SI.UTF-8"), else English.
func labelsFor(lang string) labels {
	switch lang := strings.ToLower(lang); {
	case strings.HasPrefix(lang, "de"):
		return german
	case strings.HasPrefix(lang, "sl"):
		return slovenian
	}
	return english
}

// signatureCount is n with the word for signatures in the plural form
// the language uses for n, e.g. "3 podpisi", "5 podpisov".
func (l labels) signatureCount(n int) string {
	f := plural.Cardinal.MatchPlural(language.Make(l.lang), n, 0, 0, 0, 0)
	w, ok := l.counted[f]
	if !ok {
		w = l.counted[plural.Other]
	}
	return fmt.Sprintf("%d %s", n, w)
}

// indication is the word with the ETSI names, e.g. "invalid
// (TOTAL-FAILED/HASH_FAILURE)".
func (l labels) indication(i verify.Indication, sub verify.SubIndication) string {
	w := l.indeterminate
	switch i {
	case verify.TotalPassed:
		w = l.passed
	case verify.TotalFailed:
		w = l.failedWord
	}
	code := string(i)
	if sub != "" {
		code += "/" + string(sub)
	}
	return w + " (" + code + ")"
}

func (l labels) coverage(c verify.Coverage) string {
	switch c {
	case verify.WholeFile:
		return l.wholeFile
	case verify.WholeRevision:
		return l.wholeRevision
	case verify.WholeContainer:
		return l.wholeContainer
	}
	return l.partial
}

// ModKind is the modification kind a report and "siegel verify --json"
// give: the engine's, or "none" for a signature over the whole file and
// "unknown" where later revisions were not analysed.
func ModKind(s verify.Signature) string {
	switch {
	case s.Modifications.Kind != "":
		return s.Modifications.Kind
	case s.Coverage == verify.WholeFile:
		return verify.ModNone
	}
	return "unknown"
}

func (l labels) modifications(s verify.Signature) string {
	var w string
	switch ModKind(s) {
	case verify.ModNone:
		return l.modNone
	case verify.ModAllowed:
		w = l.modAllowed
	case verify.ModDisallowed:
		w = l.modDisallowed
	default:
		return l.modUnknown
	}
	if len(s.Modifications.Changes) > 0 {
		w += ": " + strings.Join(s.Modifications.Changes, "; ")
	}
	return w
}

// Revocation fills in what the engine left empty: no source, not checked.
func Revocation(r verify.Revocation) verify.Revocation {
	if r.Source == "" {
		r.Source = verify.RevSourceNone
	}
	if r.Status == "" {
		r.Status = verify.RevStatusNotChecked
	}
	return r
}

func (l labels) revocationText(r verify.Revocation) string {
	r = Revocation(r)
	st, ok := l.revStatus[r.Status]
	if !ok {
		st = r.Status
	}
	src, ok := l.revSource[r.Source]
	if !ok {
		src = r.Source
	}
	return st + " (" + src + ")"
}

// trustList describes a trusted list in a line, e.g. "DE, sequence
// number 7, issued 2026-01-15 00:00:00 UTC, https://…".
func (l labels) trustList(tl TrustList) string {
	name := tl.Territory
	if tl.LOTL {
		name = l.lotl + " (" + tl.Territory + ")"
	}
	if tl.Err != "" {
		return name + ", " + tl.URL + ": " + l.notUsed + ": " + tl.Err
	}
	s := fmt.Sprintf("%s, %s %d", name, l.sequence, tl.Sequence)
	if !tl.Issued.IsZero() {
		s += ", " + l.issued + " " + stamp(tl.Issued)
	}
	return s + ", " + tl.URL
}
