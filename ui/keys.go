package ui

import (
	"path/filepath"
	"slices"
	"strings"

	"github.com/siegel-app/siegel/app"
	"github.com/siegel-app/siegel/cardreader"
	"github.com/siegel-app/siegel/signing/demo"
)

// KeySource says where a key lives.
type KeySource int

const (
	SourceCard KeySource = iota + 1
	SourceToken
	SourceFile
	SourceDemo
	SourceRemote // a credential of a remote account (CSC)
)

// KeyItem is one row of the key list.
type KeyItem struct {
	Source KeySource
	URI    string // card:READER, pkcs11:…, pkcs12:PATH, demo:, csc:URL?credential=ID
	Title  string
	Detail string // PIN state, module or folder
	// Blocked is set when the card says its PIN is blocked: signing
	// with it cannot work.
	Blocked bool
	// Account is the remote account of a SourceRemote key.
	Account string
	slot    string // a token's slot description, to match it to a reader
}

// KeyList is the view-model of the key list: cards from reader events,
// keys of PKCS#11 tokens and the PKCS#12 files the person added. It is
// not safe for concurrent use; the window changes it on the UI thread.
type KeyList struct {
	cards  map[string]cardreader.Reader // by reader name
	tokens []KeyItem
	files  []string
	remote []remoteKeys // by account, in the order added
	// Status is a line about the PC/SC service or token listing.
	Status   string
	Selected string // URI of the chosen key, "" for none
	// Demo lists the demo key last, so that the flow can be tried
	// without a card or key file.
	Demo bool
}

// NewKeyList returns an empty list.
func NewKeyList() *KeyList { return &KeyList{cards: map[string]cardreader.Reader{}} }

// Apply updates the list from a cardreader.Watch event.
func (l *KeyList) Apply(ev cardreader.Event) {
	switch ev.Kind {
	case cardreader.ServiceDown:
		clear(l.cards)
		l.Status = T("No smart card service (PC/SC) is running.")
	case cardreader.ServiceUp:
		l.Status = ""
	case cardreader.ReaderAdded, cardreader.CardInserted:
		l.cards[ev.Reader.Name] = ev.Reader
	case cardreader.CardRemoved:
		r := l.cards[ev.Reader.Name]
		r.Name, r.Card = ev.Reader.Name, nil
		l.cards[ev.Reader.Name] = r
	case cardreader.ReaderRemoved:
		delete(l.cards, ev.Reader.Name)
	}
	if l.Selected != "" && !slices.ContainsFunc(l.Items(), func(it KeyItem) bool { return it.URI == l.Selected }) {
		l.Selected = "" // the card went away: never sign with a key no longer shown
	}
}

// SetTokens replaces the PKCS#11 keys with what app.ListTokens found.
// Tokens without a certificate-bearing key are left out: they cannot sign.
func (l *KeyList) SetTokens(mods []app.ModuleTokens) {
	l.tokens = l.tokens[:0]
	for _, m := range mods {
		for _, t := range m.Tokens {
			for _, k := range t.Keys {
				if k.Certificate == nil || k.URI == "" {
					continue
				}
				title := k.Certificate.Subject.CommonName
				if title == "" {
					title = k.Label
				}
				l.tokens = append(l.tokens, KeyItem{Source: SourceToken, URI: k.URI, Title: title,
					Detail:  T("Token {{.Token}} ({{.Module}})", map[string]any{"Token": t.Label, "Module": filepath.Base(m.Module)}),
					Blocked: t.PINLocked, slot: t.SlotDescription})
			}
		}
	}
}

type remoteKeys struct {
	account string
	items   []KeyItem
}

// SetRemote replaces the keys of the remote account a with keys, as
// app.ListRemoteKeys found them; an account shows in the order it was
// first set.
func (l *KeyList) SetRemote(a app.RemoteAccount, keys []app.RemoteKey) {
	items := make([]KeyItem, 0, len(keys))
	for _, k := range keys {
		title := k.Info.Description
		if title == "" && len(k.Chain) > 0 {
			title = k.Chain[0].Subject.CommonName
		}
		if title == "" {
			title = k.Info.ID
		}
		scal := k.Info.SCAL
		if scal == "" {
			scal = "1"
		}
		items = append(items, KeyItem{Source: SourceRemote, URI: k.URI, Title: title, Account: a.Name,
			Detail:  T("{{.Account}} · SCAL {{.SCAL}} · remote", map[string]any{"Account": a.Name, "SCAL": scal}),
			Blocked: k.Info.Cert.Status != "" && k.Info.Cert.Status != "valid"})
	}
	i := slices.IndexFunc(l.remote, func(r remoteKeys) bool { return r.account == a.Name })
	if i < 0 {
		l.remote = append(l.remote, remoteKeys{account: a.Name, items: items})
	} else {
		l.remote[i].items = items
	}
	l.keepSelected()
}

// RemoveRemote drops the keys of the account named name.
func (l *KeyList) RemoveRemote(name string) {
	l.remote = slices.DeleteFunc(l.remote, func(r remoteKeys) bool { return r.account == name })
	l.keepSelected()
}

// Item returns the listed item with uri.
func (l *KeyList) Item(uri string) (KeyItem, bool) {
	items := l.Items()
	i := slices.IndexFunc(items, func(it KeyItem) bool { return it.URI == uri })
	if i < 0 {
		return KeyItem{}, false
	}
	return items[i], true
}

func (l *KeyList) keepSelected() {
	if _, ok := l.Item(l.Selected); l.Selected != "" && !ok {
		l.Selected = ""
	}
}

// AddFile adds a PKCS#12 file and selects it.
func (l *KeyList) AddFile(path string) {
	if !slices.Contains(l.files, path) {
		l.files = append(l.files, path)
	}
	l.Selected = "pkcs12:" + path
}

// Items is the list as shown: cards (by reader name), token keys, files,
// remote keys by account, the demo key.
func (l *KeyList) Items() []KeyItem {
	var out []KeyItem
	names := make([]string, 0, len(l.cards))
	for n, r := range l.cards {
		if r.Card != nil {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	for _, n := range names {
		out = append(out, cardItem(l.cards[n]))
	}
	// A card in a reader is listed once, as the card: its PKCS#11 token
	// (OpenSC's slot named after the reader) is the same key.
	for _, it := range l.tokens {
		if !slices.ContainsFunc(names, func(n string) bool { return app.TokenInReader(it.slot, n) }) {
			out = append(out, it)
		}
	}
	for _, f := range l.files {
		out = append(out, KeyItem{Source: SourceFile, URI: "pkcs12:" + f, Title: filepath.Base(f),
			Detail: T("Key file in {{.Dir}}", map[string]any{"Dir": filepath.Dir(f)})})
	}
	for _, r := range l.remote {
		out = append(out, r.items...)
	}
	if l.Demo {
		out = append(out, KeyItem{Source: SourceDemo, URI: demo.URI, Title: T("Demo key (for trying Siegel)"),
			Detail: T("Signatures made with it have no legal effect")})
	}
	return out
}

// Select chooses the item at index i; out of range clears the choice.
func (l *KeyList) Select(i int) {
	items := l.Items()
	if i < 0 || i >= len(items) {
		l.Selected = ""
		return
	}
	l.Selected = items[i].URI
}

func cardItem(r cardreader.Reader) KeyItem {
	name := r.Card.Name
	if name == "" {
		name = T("Unknown card")
	}
	it := KeyItem{Source: SourceCard, URI: "card:" + r.Name,
		Title: T("{{.Card}} in {{.Reader}}", map[string]any{"Card": name, "Reader": r.Name})}
	var detail []string
	switch p := r.Card.PIN; {
	case p.Blocked:
		detail, it.Blocked = append(detail, T("PIN blocked")), true
	case p.Verified:
		detail = append(detail, T("PIN entered"))
	case p.FinalTry():
		detail = append(detail, T("Last PIN try!"))
	case p.Known:
		detail = append(detail, TN("PIN: {{.N}} tries left", p.RetriesLeft, map[string]any{"N": p.RetriesLeft}))
	}
	if r.PINPad {
		detail = append(detail, T("PIN pad reader"))
	}
	it.Detail = strings.Join(detail, " · ")
	return it
}
