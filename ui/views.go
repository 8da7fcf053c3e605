package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"
)

// reviewView is the Review screen: what will be signed, the preview of
// the prepared revision, and the two explicit decisions. Only onSign lets
// the signature go ahead.
type reviewView struct {
	content          fyne.CanvasObject
	sign, cancel     *widget.Button
	accept           *widget.Check // nil unless a finding blocks signing
	previewContainer *fyne.Container
}

func newReviewView(m ReviewModel, preview fyne.CanvasObject, onSign, onCancel func()) *reviewView {
	v := &reviewView{}
	title := widget.NewLabelWithStyle(T("Review what you sign"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	intro := widget.NewLabel(T("Check the document and the signer. No PIN is asked before you choose Sign."))
	intro.Wrapping = fyne.TextWrapWord
	form := container.New(layout.NewFormLayout())
	for _, f := range m.Fields {
		value := widget.NewLabel(f.Value)
		value.Wrapping = fyne.TextWrapBreak
		value.Selectable = true
		if f.Mono {
			value.TextStyle.Monospace = true
			value.Wrapping = fyne.TextWrapWord // break between groups, not inside one
		}
		form.Add(widget.NewLabelWithStyle(f.Label, fyne.TextAlignTrailing, fyne.TextStyle{Bold: true}))
		form.Add(value)
	}
	v.sign = widget.NewButton(T("Sign"), onSign)
	v.sign.Importance = widget.HighImportance
	v.cancel = widget.NewButton(T("Cancel"), onCancel)
	buttons := container.NewHBox(layout.NewSpacer(), v.cancel, v.sign)
	v.previewContainer = container.NewStack(preview)
	details := container.NewVBox(title, intro, form)
	if len(m.Findings) > 0 {
		details.Add(widget.NewLabelWithStyle(T("Content check"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
		for _, f := range m.Findings {
			l := widget.NewLabel(f.Severity + ": " + f.Text)
			l.Wrapping = fyne.TextWrapWord
			if f.Blocking {
				l.Importance = widget.DangerImportance
			}
			details.Add(l)
		}
	}
	if m.Blocking {
		// DESIGN.md: what cannot be displayed reliably blocks signing
		// unless the signer overrides it knowingly.
		v.sign.Disable()
		v.accept = widget.NewCheck(T("I have checked these findings and sign anyway"), func(on bool) {
			if on {
				v.sign.Enable()
			} else {
				v.sign.Disable()
			}
		})
		details.Add(v.accept)
	}
	split := container.NewHSplit(container.NewVScroll(details), v.previewContainer)
	split.Offset = 0.55
	v.content = container.NewBorder(nil, buttons, nil, nil, split)
	return v
}

// previewPlaceholder stands in for a rendered page when no renderer is set.
func previewPlaceholder() fyne.CanvasObject {
	return container.NewCenter(widget.NewLabel(T("Preview not available")))
}

// pinView is the content of the PIN dialog.
type pinView struct {
	content fyne.CanvasObject
	entry   *widget.Entry // nil for pin pads and a blocked PIN
}

func newPINView(m PINModel) *pinView {
	v := &pinView{}
	// No word wrapping: a wrapping label in a dialog asks for its height
	// at a narrow width and leaves large gaps.
	msg := widget.NewLabel(m.Message)
	box := container.NewVBox(msg)
	if m.Tries != "" {
		box.Add(widget.NewLabel(m.Tries))
	}
	if m.Warning != "" {
		w := widget.NewLabelWithStyle(m.Warning, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
		w.Importance = widget.DangerImportance
		box.Add(w)
	}
	if !m.PINPad && !m.Blocked {
		v.entry = widget.NewPasswordEntry()
		v.entry.SetPlaceHolder(m.Entry)
		box.Add(v.entry)
	}
	v.content = box
	return v
}
