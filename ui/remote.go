package ui

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/siegel-app/siegel/app"
	"github.com/siegel-app/siegel/app/secrets"
)

// remoteState is the window's part for remote accounts (CSC services):
// the secrets kept for this session when the OS has no secret store.
type remoteState struct {
	session secrets.Memory
}

// remoteSetup starts the remote part: the session's secrets are zeroed
// when the window closes, and the saved accounts whose secret is in the
// OS store are connected in the background.
func (w *Window) remoteSetup() {
	w.remote = &remoteState{}
	w.work.Go(func() {
		<-w.ctx.Done()
		w.remote.session.Clear()
	})
	for _, a := range w.deps.Settings.RemoteAccounts {
		w.work.Go(func() {
			secret, err := w.secret(a)
			if err != nil {
				return // asked for when the person connects the account again
			}
			w.connectRemote(w.ctx, a, secret, false)
		})
	}
}

// secret reads the account's secret: the OS store first, then this
// session's. Off the UI thread: the store may ask to be unlocked.
func (w *Window) secret(a app.RemoteAccount) ([]byte, error) {
	if w.deps.Secrets != nil {
		s, err := w.deps.Secrets.Get(app.SecretService, a.SecretAccount())
		if err == nil {
			return s, nil
		}
	}
	return w.remote.session.Get(app.SecretService, a.SecretAccount())
}

// keepSecret stores the account's secret in the OS store, or for this
// session only when there is none.
func (w *Window) keepSecret(a app.RemoteAccount, s []byte) {
	if w.deps.Secrets != nil && w.deps.Secrets.Set(app.SecretService, a.SecretAccount(), s) == nil {
		w.remote.session.Delete(app.SecretService, a.SecretAccount())
		return
	}
	w.remote.session.Set(app.SecretService, a.SecretAccount(), s)
}

// openBrowser opens u in the person's browser (sign-in, or a credential
// authorized at the service).
func (w *Window) openBrowser(_ context.Context, u string) error {
	pu, err := url.Parse(u)
	if err != nil {
		return fmt.Errorf("open %s: %w", u, err)
	}
	fyne.Do(func() { w.app.OpenURL(pu) })
	return nil
}

// remoteView is the "Add remote account" dialog; tests act on its
// fields.
type remoteView struct {
	dialog   dialog.Dialog
	saved    *widget.Select
	name     *widget.Entry
	url      *widget.Entry
	next     *widget.Button
	types    *widget.RadioGroup
	clientID *widget.Entry
	secret   *widget.Entry
	username *widget.Entry // basic login
	password *widget.Entry
	connect  *widget.Button
	status   *widget.Label
	second   *fyne.Container // auth type and its fields: after info
	offered  []string
	// ctx ends when the dialog closes: a sign-in still waiting for the
	// browser stops listening.
	ctx context.Context
}

func authTypeText(t string) string {
	switch t {
	case app.AuthCode:
		return T("Sign in with the browser")
	case app.AuthBasic:
		return T("Username and password")
	}
	return T("Client ID and secret (seals)")
}

// ShowAddRemote shows the dialog that adds a remote account (or connects
// a saved one again): the service's URL, then what its info offers.
func (w *Window) ShowAddRemote() {
	v := &remoteView{}
	var cancel context.CancelFunc
	v.ctx, cancel = context.WithCancel(w.ctx)
	v.name, v.url = widget.NewEntry(), widget.NewEntry()
	v.name.SetPlaceHolder(T("Name, e.g. Company seal"))
	v.url.SetPlaceHolder("https://…/csc/v2")
	v.status = widget.NewLabel("")
	v.status.Wrapping = fyne.TextWrapWord
	v.clientID = widget.NewEntry()
	v.clientID.SetPlaceHolder(T("Client ID"))
	v.secret = widget.NewPasswordEntry()
	v.secret.SetPlaceHolder(T("Client secret"))
	v.username = widget.NewEntry()
	v.username.SetPlaceHolder(T("Username"))
	v.password = widget.NewPasswordEntry()
	v.password.SetPlaceHolder(T("Password"))
	v.types = widget.NewRadioGroup(nil, func(string) {
		t := v.authType()
		show := func(o fyne.CanvasObject, on bool) {
			if on {
				o.Show()
			} else {
				o.Hide()
			}
		}
		show(v.clientID, t != app.AuthBasic)
		show(v.secret, t == app.AuthClientCredentials)
		show(v.username, t == app.AuthBasic)
		show(v.password, t == app.AuthBasic)
	})
	v.types.Required = true
	v.next = widget.NewButton(T("Next"), func() { w.remoteInfo(v) })
	v.connect = widget.NewButtonWithIcon(T("Connect"), theme.ConfirmIcon(), func() { w.remoteConnect(v) })
	v.connect.Importance = widget.HighImportance
	v.second = container.NewVBox(widget.NewLabel(T("Sign in with")), v.types, v.clientID, v.secret, v.username, v.password, v.connect)
	v.second.Hide()

	first := container.NewVBox()
	if saved := w.deps.Settings.RemoteAccounts; len(saved) > 0 {
		names := make([]string, len(saved))
		for i, a := range saved {
			names[i] = a.Name
		}
		v.saved = widget.NewSelect(names, func(name string) {
			i := slices.IndexFunc(saved, func(a app.RemoteAccount) bool { return a.Name == name })
			if i < 0 {
				return
			}
			v.name.SetText(saved[i].Name)
			v.url.SetText(saved[i].BaseURL)
			v.clientID.SetText(saved[i].ClientID)
			v.username.SetText(saved[i].Username)
			w.remoteInfo(v)
		})
		v.saved.PlaceHolder = T("Connect a saved account…")
		first.Add(v.saved)
	}
	first.Add(widget.NewForm(widget.NewFormItem(T("Name"), v.name), widget.NewFormItem(T("Service URL"), v.url)))
	first.Add(v.next)
	content := container.NewVBox(first, v.second, v.status)
	v.dialog = dialog.NewCustom(T("Add remote account"), T("Close"), content, w.win)
	v.dialog.SetOnClosed(cancel)
	v.dialog.Resize(fyne.NewSize(520, 0))
	v.dialog.Show()
	w.notify("remote", v)
}

// authType is the chosen auth type, from the radio's translated text.
func (v *remoteView) authType() string {
	for _, t := range v.offered {
		if authTypeText(t) == v.types.Selected {
			return t
		}
	}
	return ""
}

// remoteAccountText says what app.CheckRemoteAccount found missing in a,
// in the user's language; it asks a again rather than reading err's
// English text.
func remoteAccountText(a app.RemoteAccount, err error) string {
	switch {
	case !strings.HasPrefix(a.BaseURL, "https://"):
		return T("The service URL must start with https://.")
	case a.AuthType == app.AuthBasic && a.Username == "":
		return T("Enter the username.")
	case a.AuthType == app.AuthBasic && strings.Contains(a.Username, ":"):
		return T("The username cannot contain a colon.")
	case a.AuthType != app.AuthBasic && a.ClientID == "":
		return T("Enter the client ID.")
	}
	return T("The account cannot be added: {{.Err}}", map[string]any{"Err": err.Error()})
}

// remoteInfo reads the service's info in the background and offers its
// auth types.
func (w *Window) remoteInfo(v *remoteView) {
	base := strings.TrimSpace(v.url.Text)
	if !strings.HasPrefix(base, "https://") {
		v.status.SetText(T("The service URL must start with https://."))
		w.notify("remote-error", v.status.Text)
		return
	}
	v.next.Disable()
	v.status.SetText(T("Asking the service…"))
	w.work.Go(func() {
		_, types, err := app.RemoteAuthTypes(v.ctx, base, w.deps.HTTPClient)
		fyne.Do(func() {
			v.next.Enable()
			if err != nil {
				v.status.SetText(T("The service answered: {{.Err}}", map[string]any{"Err": err.Error()}))
				w.notify("remote-error", v.status.Text)
				return
			}
			v.offered = types
			opts := make([]string, len(types))
			for i, t := range types {
				opts[i] = authTypeText(t)
			}
			v.types.Options = opts
			sel := opts[0]
			if i := slices.IndexFunc(w.deps.Settings.RemoteAccounts, func(a app.RemoteAccount) bool {
				return a.Name == strings.TrimSpace(v.name.Text)
			}); i >= 0 && slices.Contains(types, w.deps.Settings.RemoteAccounts[i].AuthType) {
				sel = authTypeText(w.deps.Settings.RemoteAccounts[i].AuthType)
			}
			v.types.SetSelected(sel)
			v.types.Refresh()
			v.second.Show()
			v.status.SetText("")
			w.notify("remote-types", types)
		})
	})
}

// remoteConnect signs in (client credentials, username and password, or
// the browser), keeps the secret, saves the account and lists its
// credentials.
func (w *Window) remoteConnect(v *remoteView) {
	a := app.RemoteAccount{Name: strings.TrimSpace(v.name.Text), BaseURL: strings.TrimRight(strings.TrimSpace(v.url.Text), "/"),
		AuthType: v.authType(), ClientID: strings.TrimSpace(v.clientID.Text)}
	if a.AuthType == app.AuthBasic {
		a.ClientID, a.Username = "", strings.TrimSpace(v.username.Text)
	}
	if a.Name == "" {
		a.Name = hostOf(a.BaseURL)
	}
	if err := app.CheckRemoteAccount(a); err != nil {
		v.status.SetText(remoteAccountText(a, err))
		w.notify("remote-error", v.status.Text)
		return
	}
	secret := []byte(v.secret.Text)
	if a.AuthType == app.AuthBasic {
		secret = []byte(v.password.Text)
	}
	// Go strings cannot be zeroed; drop the widgets' copies.
	v.secret.SetText("")
	v.password.SetText("")
	if a.AuthType == app.AuthClientCredentials && len(secret) == 0 {
		v.status.SetText(T("Enter the client secret."))
		w.notify("remote-error", v.status.Text)
		return
	}
	if a.AuthType == app.AuthBasic && len(secret) == 0 {
		v.status.SetText(T("Enter the password."))
		w.notify("remote-error", v.status.Text)
		return
	}
	v.connect.Disable()
	if a.AuthType == app.AuthClientCredentials || a.AuthType == app.AuthBasic {
		v.status.SetText(T("Connecting…"))
		w.work.Go(func() {
			keep := append([]byte(nil), secret...)
			defer clear(keep)
			err := w.connectRemote(v.ctx, a, secret, true)
			if err == nil {
				w.keepSecret(a, keep)
			}
			w.remoteDone(v, a, err)
		})
		return
	}
	clear(secret)
	v.status.SetText(T("Sign in in your browser; Siegel waits for it to come back."))
	w.work.Go(func() {
		u, wait, err := app.StartRemoteSignIn(v.ctx, a, w.deps.HTTPClient)
		if err != nil {
			w.remoteDone(v, a, err)
			return
		}
		w.openBrowser(v.ctx, u)
		w.notify("remote-browser", u)
		c, tok, err := wait(v.ctx)
		if err == nil {
			if tok.RefreshToken != "" {
				w.keepSecret(a, []byte(tok.RefreshToken))
			}
			var keys []app.RemoteKey
			if keys, err = app.ListRemoteKeys(v.ctx, a, c); err == nil {
				fyne.Do(func() { w.showRemoteKeys(a, keys, true) })
			}
		}
		w.remoteDone(v, a, err)
	})
}

// remoteDone ends the dialog's connect step: an error stays in the
// dialog, as the service said it; success saves the account and closes.
func (w *Window) remoteDone(v *remoteView, a app.RemoteAccount, err error) {
	fyne.Do(func() {
		v.connect.Enable()
		if err != nil {
			v.status.SetText(T("The service answered: {{.Err}}", map[string]any{"Err": err.Error()}))
			w.notify("remote-error", v.status.Text)
			return
		}
		w.saveRemoteAccount(a)
		v.dialog.Hide()
		w.notify("remote-connected", a)
	})
}

// connectRemote gets a token with secret (zeroed) and lists the
// account's keys into the key list. Off the UI thread.
func (w *Window) connectRemote(ctx context.Context, a app.RemoteAccount, secret []byte, sel bool) error {
	c, tok, err := app.ConnectRemote(ctx, a, secret, w.deps.HTTPClient)
	if err != nil {
		return err
	}
	if a.AuthType == app.AuthCode && tok.RefreshToken != "" {
		w.keepSecret(a, []byte(tok.RefreshToken)) // the service may have rotated it
	}
	keys, err := app.ListRemoteKeys(ctx, a, c)
	if err != nil {
		return err
	}
	fyne.Do(func() {
		w.showRemoteKeys(a, keys, sel)
		w.notify("remote-keys", a)
	})
	return nil
}

func (w *Window) showRemoteKeys(a app.RemoteAccount, keys []app.RemoteKey, sel bool) {
	w.keys.SetRemote(a, keys)
	if sel && len(keys) > 0 {
		w.keys.Selected = keys[0].URI
		w.selectKey()
		return
	}
	w.refreshKeys()
}

// saveRemoteAccount adds or replaces a (by name) in the settings and
// stores them. Only name, URL, auth type, client ID and username: never a
// secret.
func (w *Window) saveRemoteAccount(a app.RemoteAccount) {
	accts := slices.DeleteFunc(slices.Clone(w.deps.Settings.RemoteAccounts), func(b app.RemoteAccount) bool { return b.Name == a.Name })
	w.deps.Settings.RemoteAccounts = append(accts, a)
	if w.deps.SaveSettings == nil {
		return
	}
	if err := w.deps.SaveSettings(w.deps.Settings); err != nil {
		dialog.ShowError(errors.New(T("The settings could not be saved: {{.Err}}", map[string]any{"Err": err.Error()})), w.win)
	}
}

// remoteAuth completes req for a remote key: the account's secret turns
// into SignRequest.CSC. Off the UI thread (secret store, token refresh).
func (w *Window) remoteAuth(ctx context.Context, req *app.SignRequest) error {
	var it KeyItem
	var a app.RemoteAccount
	var ok, found bool
	fyne.DoAndWait(func() { // the list and settings belong to the UI thread
		if it, ok = w.keys.Item(req.KeyURI); !ok || it.Source != SourceRemote {
			return
		}
		i := slices.IndexFunc(w.deps.Settings.RemoteAccounts, func(a app.RemoteAccount) bool { return a.Name == it.Account })
		if found = i >= 0; found {
			a = w.deps.Settings.RemoteAccounts[i]
		}
	})
	if !ok || it.Source != SourceRemote {
		return nil // not a remote key
	}
	if !found {
		return fmt.Errorf("remote account %s is no longer set up", it.Account)
	}
	secret, err := w.secret(a)
	if err != nil {
		return fmt.Errorf("remote account %s: connect it again (Add remote account…): %w", a.Name, err)
	}
	auth, refresh, err := app.RemoteSignAuth(ctx, a, secret, w.deps.HTTPClient, w.openBrowser)
	if err != nil {
		return err
	}
	if refresh != "" {
		w.keepSecret(a, []byte(refresh))
	}
	req.CSC = auth
	return nil
}

func hostOf(u string) string {
	if p, err := url.Parse(u); err == nil && p.Host != "" {
		return p.Host
	}
	return u
}
