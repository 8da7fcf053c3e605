// Package verifytext translates what the verification engine says: the
// problem sentences and change phrases of signing/verify (kept there in
// English, with their format keys in Signature.Texts and
// Modifications.ChangeTexts) and the content audit's findings, into
// German and Slovenian. English, an unknown language or a key without a
// translation gives the engine's English text, so nothing is ever lost.
//
// A new sentence in signing/verify is written as tf("English %s format",
// args…) (or allow/deny for a change phrase) with a literal format; its
// German and Slovenian formats go into translations/de.json and sl.json
// with the same verbs in the same order, or reordered with %[n]s.
// TestCatalogue finds every format in signing/verify's source and fails
// for one without both translations, for differing verbs and for stale
// entries. The warnings of signing/trustlist (Note, made with note and a
// literal format) share the catalogue and the test.
package verifytext

import (
	"embed"

	"github.com/siegel-app/siegel/app/msgcat"
	"github.com/siegel-app/siegel/signing/audit"
	"github.com/siegel-app/siegel/signing/trustlist"
	"github.com/siegel-app/siegel/signing/verify"
)

// Languages with a catalogue; English is the source text.
var Languages = []string{"de", "sl"}

//go:embed translations/*.json
var files embed.FS

// catalogues maps a language to its formats by English key, loaded once
// from translations/LANG.json.
var catalogues = load()

func load() map[string]map[string]string {
	cats, err := msgcat.Load(files, "translations", Languages)
	if err != nil {
		panic("verifytext: " + err.Error()) // embedded: caught by the catalogue test
	}
	return cats
}

// Lang reduces a language or locale name ("de", "de_AT.UTF-8", "sl-SI")
// to "de" or "sl", or "en" for anything else.
func Lang(lang string) string {
	l := msgcat.Base(lang)
	if _, ok := catalogues[l]; ok {
		return l
	}
	return "en"
}

// lookup is the translation of a key in lang; nil for English.
func lookup(lang string) func(string) (string, bool) {
	cat := catalogues[Lang(lang)]
	if cat == nil {
		return nil
	}
	return func(key string) (string, bool) {
		f, ok := cat[key]
		return f, ok
	}
}

// Text renders one message in lang.
func Text(lang string, t verify.Text) string { return t.Format(lookup(lang)) }

// Problems are the signature's problems in lang. Without texts that match
// the English problems one for one (a Signature not made by the engine),
// the English ones.
func Problems(lang string, s verify.Signature) []string {
	return render(lang, s.Problems, s.Texts)
}

// Changes are the modification phrases in lang (English as Problems).
func Changes(lang string, m verify.Modifications) []string {
	return render(lang, m.Changes, m.ChangeTexts)
}

func render(lang string, en []string, texts []verify.Text) []string {
	tr := lookup(lang)
	if tr == nil || len(texts) != len(en) {
		return en
	}
	out := make([]string, len(en))
	for i, t := range texts {
		out[i] = t.Format(tr)
	}
	return out
}

// Localize returns a copy of s whose Problems and Modifications.Changes
// are in lang, for renderers that show those fields as they are. The
// original slices are not touched.
func Localize(lang string, s verify.Signature) verify.Signature {
	s.Problems = Problems(lang, s)
	s.Modifications.Changes = Changes(lang, s.Modifications)
	return s
}

// TrustList is a trusted-list warning in lang; its arguments (URLs,
// dates, lower-layer error texts) stay as they are.
func TrustList(lang string, n trustlist.Note) string {
	if lookup(lang) == nil {
		return n.String()
	}
	t := verify.Text{Key: n.Format, Args: make([]verify.Text, len(n.Args))}
	for i, a := range n.Args {
		t.Args[i] = verify.Text{Lit: a}
	}
	return Text(lang, t)
}

// TrustLists are TrustList of each note.
func TrustLists(lang string, notes []trustlist.Note) []string {
	var out []string
	for _, n := range notes {
		out = append(out, TrustList(lang, n))
	}
	return out
}

// Finding is an audit finding's message in lang: German, Slovenian or
// English, falling back to English where a translation is empty.
func Finding(lang string, f audit.Finding) string {
	var s string
	switch Lang(lang) {
	case "de":
		s = f.MessageDE
	case "sl":
		s = f.MessageSL
	}
	if s == "" {
		return f.Message
	}
	return s
}
