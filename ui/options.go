package ui

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/siegel-app/siegel/app"
	"github.com/siegel-app/siegel/signing/pades"
)

// Options is the view-model of the signature options form. Numbers stay
// strings as typed; Request checks them.
type Options struct {
	Level    string // one of Levels
	TSA      string
	Reason   string
	Location string
	Visible  bool
	// Page (1-based) and the rectangle in PDF points from the lower-left
	// corner, typed or dragged on the page.
	Page, X, Y, W, H string
	// Image is the stamp's PNG or JPEG, "" for none.
	Image string
}

// Levels are the PAdES baseline levels the window offers, lowest first.
var Levels = []string{app.LevelBB, app.LevelBT, app.LevelBLT, app.LevelBLTA}

// NeedsTSA reports whether level needs a time-stamping authority: every
// level above B-B has a signature timestamp.
func NeedsTSA(level string) bool { return level != app.LevelBB }

// NewOptions starts from the remembered settings.
func NewOptions(s app.Settings) *Options {
	o := &Options{Level: app.LevelBB, TSA: s.TSA, Image: s.StampImage, Page: "1", X: "50", Y: "50", W: "200", H: "60"}
	switch {
	case slices.Contains(Levels, s.Level):
		o.Level = s.Level
	case s.Level == "" && s.TSA != "":
		o.Level = app.LevelBT
	}
	return o
}

// Errors of the form, shown next to the Sign action.
var (
	ErrNoDocument = errors.New("no document open")
	ErrNoKey      = errors.New("no key chosen")
	ErrNoTSA      = errors.New("levels above B-B need a time-stamping authority URL")
	ErrRectangle  = errors.New("the page and rectangle must be positive numbers")
)

// Request builds the app.SignRequest for document in, signed with key
// into out.
func (o *Options) Request(in, out, key string) (app.SignRequest, error) {
	switch {
	case in == "":
		return app.SignRequest{}, ErrNoDocument
	case key == "":
		return app.SignRequest{}, ErrNoKey
	case NeedsTSA(o.Level) && strings.TrimSpace(o.TSA) == "":
		return app.SignRequest{}, ErrNoTSA
	}
	req := app.SignRequest{KeyURI: key, In: in, Out: out, Level: o.Level,
		Reason: strings.TrimSpace(o.Reason), Location: strings.TrimSpace(o.Location), Lang: uiLang()}
	if NeedsTSA(o.Level) {
		req.TSA = strings.TrimSpace(o.TSA)
	}
	if o.Visible {
		v, err := o.visible()
		if err != nil {
			return app.SignRequest{}, err
		}
		req.Visible = v
		req.ImagePath = o.Image
	}
	return req, nil
}

func (o *Options) visible() (*pades.Visible, error) {
	page, err := strconv.Atoi(strings.TrimSpace(o.Page))
	if err != nil || page < 1 {
		return nil, ErrRectangle
	}
	var r [4]float64
	for i, s := range []string{o.X, o.Y, o.W, o.H} {
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil || f < 0 || (i >= 2 && f == 0) {
			return nil, ErrRectangle
		}
		r[i] = f
	}
	return &pades.Visible{Page: page, X: r[0], Y: r[1], W: r[2], H: r[3]}, nil
}

// DefaultOut is where a signed copy of in goes: IN-signed.pdf beside it.
func DefaultOut(in string) string {
	ext := filepath.Ext(in)
	return strings.TrimSuffix(in, ext) + "-signed" + ifEmpty(ext, ".pdf")
}

func ifEmpty(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// errorText is the sentence shown for a form error.
func errorText(err error) string {
	switch {
	case errors.Is(err, ErrNoDocument):
		return T("Open a PDF document first.")
	case errors.Is(err, ErrNoKey):
		return T("Choose a key to sign with.")
	case errors.Is(err, ErrNoTSA):
		return T("Levels B-T, B-LT and B-LTA need a time-stamping authority URL.")
	case errors.Is(err, ErrRectangle):
		return T("The page and rectangle must be positive numbers.")
	}
	return fmt.Sprint(err)
}
