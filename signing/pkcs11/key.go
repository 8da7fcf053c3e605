//go:build cgo

package pkcs11

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"

	p11 "github.com/miekg/pkcs11"

	"github.com/siegel-app/siegel/signing"
)

var (
	_ signing.Key           = (*Key)(nil)
	_ signing.ContextSigner = (*Key)(nil)
)

// Key is a private key on a PKCS#11 token with its certificate chain. It
// holds one session; its operations run one at a time.
type Key struct {
	l      *loaded
	slot   uint
	token  string // token label, for prompts and messages
	reader string // the slot description: OpenSC's name of the PC/SC reader
	// name is shown in prompts and messages: the private key's label when
	// it can be seen before login, else the URI's object label, else the
	// certificate holder.
	name  string
	id    []byte
	label string // CKA_LABEL the private key must have, from the URI
	chain []*x509.Certificate
	pin   signing.PINFunc
	log   *slog.Logger

	// sem is held by the one operation using the session. A channel rather
	// than a mutex so that waiting for a hung operation can end with ctx.
	sem chan struct{}

	state  sync.Mutex
	closed bool // Close was called
	busy   bool // an operation holds the session; it closes it if closed

	// Owned by the holder of sem.
	sh         p11.SessionHandle
	priv       p11.ObjectHandle
	havePriv   bool
	alwaysAuth bool

	signatures atomic.Int64
}

// Open opens the key named by an RFC 7512 URI, which must carry
// module-path. It finds the token by label, manufacturer, model, serial or
// slot-id, and the key by id and/or object label, from its certificate and
// public key: Open does not log in and never calls opts.PIN; the first
// signature does. The chain is the certificate with the key's CKA_ID, then
// the certificates on the token that issued it.
func Open(ctx context.Context, uri string, opts Options) (*Key, error) {
	return open(ctx, uri, opts, nil)
}

func open(ctx context.Context, uri string, opts Options, wrap func(module) module) (*Key, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("open PKCS#11 key: %w", cancelled(err))
	}
	u, err := ParseURI(uri)
	if err != nil {
		return nil, fmt.Errorf("open PKCS#11 key: %w", err)
	}
	if u.ModulePath == "" {
		return nil, fmt.Errorf("open PKCS#11 key %s: the URI has no module-path", u)
	}
	l, err := loadModule(u.ModulePath)
	if err != nil {
		return nil, fmt.Errorf("open PKCS#11 key: %w", err)
	}
	l = l.with(wrap)
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	slot, ti, err := findToken(l.mod, u)
	if err != nil {
		return nil, fmt.Errorf("open PKCS#11 %s: %w", describe(u), err)
	}
	token := trim(ti.Label)
	log.Debug("pkcs11: token found", "module", l.path, "token", token, "serial", trim(ti.SerialNumber), "slot", slot)
	sh, err := l.mod.OpenSession(slot, p11.CKF_SERIAL_SESSION)
	if err != nil {
		return nil, fmt.Errorf("open PKCS#11 %s on token %q: %w", describe(u), token, ckr("C_OpenSession", err))
	}
	k := &Key{
		l: l, slot: slot, token: token, label: u.Object, pin: opts.PIN, log: log,
		sem: make(chan struct{}, 1), sh: sh,
	}
	if si, err := l.mod.GetSlotInfo(slot); err == nil {
		k.reader = trim(si.SlotDescription)
	}
	if err := k.locate(u); err != nil {
		_ = l.mod.CloseSession(sh)
		return nil, fmt.Errorf("open PKCS#11 %s on token %q: %w", describe(u), token, err)
	}
	l.keys.add(slot, 1)
	log.Debug("pkcs11: key opened", "token", token, "key", k.name, "id", fmt.Sprintf("%X", k.id),
		"chain", len(k.chain), "private key visible", k.havePriv)
	return k, nil
}

// findToken returns the one initialised token the URI matches.
func findToken(m module, u *URI) (uint, p11.TokenInfo, error) {
	slots, err := m.GetSlotList(true)
	if err != nil {
		return 0, p11.TokenInfo{}, ckr("C_GetSlotList", err)
	}
	var found []uint
	var info p11.TokenInfo
	for _, s := range slots {
		if u.SlotID != nil && *u.SlotID != s {
			continue
		}
		ti, err := m.GetTokenInfo(s)
		if err != nil {
			continue // removed while we looked
		}
		if !has(ti.Flags, p11.CKF_TOKEN_INITIALIZED) ||
			u.Token != "" && u.Token != trim(ti.Label) ||
			u.Manufacturer != "" && u.Manufacturer != trim(ti.ManufacturerID) ||
			u.Model != "" && u.Model != trim(ti.Model) ||
			u.Serial != "" && u.Serial != trim(ti.SerialNumber) {
			continue
		}
		found = append(found, s)
		info = ti
	}
	switch len(found) {
	case 0:
		return 0, info, fmt.Errorf("token %s: %w", describeToken(u), signing.ErrTokenNotPresent)
	case 1:
		return found[0], info, nil
	}
	return 0, info, fmt.Errorf("%d tokens match %s; add serial= to the URI", len(found), describeToken(u))
}

func describeToken(u *URI) string {
	var parts []string
	if u.Token != "" {
		parts = append(parts, fmt.Sprintf("%q", u.Token))
	}
	if u.Serial != "" {
		parts = append(parts, "serial "+u.Serial)
	}
	if u.Manufacturer != "" || u.Model != "" {
		parts = append(parts, strings.TrimSpace(u.Manufacturer+" "+u.Model))
	}
	if u.SlotID != nil {
		parts = append(parts, fmt.Sprintf("in slot %d", *u.SlotID))
	}
	if len(parts) == 0 {
		return "(any)"
	}
	return strings.Join(parts, " ")
}

// trim drops the blank and NUL padding of CK_TOKEN_INFO strings.
func trim(s string) string { return strings.TrimRight(s, " \x00") }

// locate finds the key's id, certificate and chain from what the session
// sees before login, and the private key if it is a public object.
func (k *Key) locate(u *URI) error {
	objs, err := scan(k.l.mod, k.sh)
	if err != nil {
		return err
	}
	match := func(obs []object, byLabel bool) []object {
		var out []object
		for _, ob := range obs {
			if u.ID != nil && !slices.Equal(ob.id, u.ID) || byLabel && u.Object != "" && ob.label != u.Object {
				continue
			}
			out = append(out, ob)
		}
		return out
	}
	// Which key: a visible private key names it best; else its public key;
	// else, as cards keep private keys private, its certificate. A label in
	// the URI is the private key's; public objects are matched by it only
	// when there is no id to go by.
	privs := match(objs.privs, true)
	cands := privs
	if len(cands) == 0 {
		cands = match(objs.pubs, u.ID == nil)
	}
	if len(cands) == 0 {
		for _, c := range match(objs.certs, u.ID == nil) {
			if u.ID != nil || u.Object != "" || !c.cert.IsCA {
				cands = append(cands, c)
			}
		}
	}
	if len(cands) == 0 {
		return signing.ErrKeyNotFound
	}
	if len(cands) > 1 && !sameID(cands) {
		return fmt.Errorf("%d keys match; add id= to the URI", len(cands))
	}
	key := cands[0]
	k.id = key.id
	cert := objs.certFor(key.id, key.label)
	if cert == nil {
		return signing.ErrNoCertificate
	}
	k.chain = objs.chain(cert)
	if len(privs) == 1 {
		k.priv, k.havePriv, k.alwaysAuth = privs[0].h, true, privs[0].alwaysAuth
	}
	switch {
	case len(privs) == 1 && privs[0].label != "":
		k.name = privs[0].label
	case u.Object != "":
		k.name = u.Object
	case cert.Subject.CommonName != "":
		k.name = cert.Subject.CommonName
	default:
		k.name = key.label
	}
	return nil
}

// sameID reports whether all candidates are objects of one key id (its
// private key, public key and certificate may carry different labels).
func sameID(obs []object) bool {
	for _, o := range obs[1:] {
		if o.id == nil || !slices.Equal(o.id, obs[0].id) {
			return false
		}
	}
	return obs[0].id != nil
}

// Reader returns the slot description, which OpenSC sets to the name of
// the PC/SC reader the card is in (signing.ReaderKey).
func (k *Key) Reader() string { return k.reader }

// Public returns the public key of the certificate.
func (k *Key) Public() crypto.PublicKey { return k.chain[0].PublicKey }

// Chain returns the certificate chain, leaf first.
func (k *Key) Chain() []*x509.Certificate { return slices.Clone(k.chain) }

// Signatures returns how many times this key called C_Sign.
func (k *Key) Signatures() int { return int(k.signatures.Load()) }

// Sign signs digest: RSA PKCS#1 v1.5 over a DigestInfo, RSA-PSS when opts
// is *rsa.PSSOptions, ECDSA with an ASN.1 DER signature. rand is unused;
// the token makes its own randomness. See SignContext.
func (k *Key) Sign(rand io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	return k.SignContext(context.Background(), rand, digest, opts)
}

// SignContext is Sign that gives up when ctx ends: before the token is
// asked, while it waits for the session, for a PIN, or for C_Sign. A C call
// that does not return is left running in its goroutine (Cryptoki v2.40 has
// no way to cancel it); the Key stays busy until it returns.
func (k *Key) SignContext(ctx context.Context, _ io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	fail := func(err error) ([]byte, error) {
		return nil, fmt.Errorf("sign with PKCS#11 key %q on token %q: %w", k.name, k.token, err)
	}
	if err := ctx.Err(); err != nil {
		return fail(cancelled(err))
	}
	mech, data, isEC, err := k.mechanism(digest, opts)
	if err != nil {
		return fail(err)
	}
	select {
	case k.sem <- struct{}{}:
	case <-ctx.Done():
		return fail(cancelled(ctx.Err()))
	}
	k.state.Lock()
	if k.closed {
		k.state.Unlock()
		<-k.sem
		return fail(errors.New("key is closed"))
	}
	k.busy = true
	k.state.Unlock()

	type result struct {
		sig []byte
		err error
	}
	done := make(chan result, 1)
	go func() {
		sig, err := k.sign(ctx, mech, data)
		k.state.Lock()
		k.busy = false
		closeNow := k.closed
		k.state.Unlock()
		if closeNow {
			_ = k.release()
		}
		<-k.sem
		done <- result{sig, err}
	}()
	var r result
	select {
	case r = <-done:
	case <-ctx.Done():
		select {
		case r = <-done: // finished at the same moment: keep the signature
		default:
			k.log.Debug("pkcs11: signing abandoned, the module call goes on in the background", "key", k.name)
			return fail(cancelled(ctx.Err()))
		}
	}
	if r.err != nil {
		return fail(r.err)
	}
	if isEC {
		der, err := ecdsaDER(r.sig)
		if err != nil {
			return fail(err)
		}
		return der, nil
	}
	return r.sig, nil
}

// mechanism chooses the Cryptoki mechanism and the data C_Sign receives.
func (k *Key) mechanism(digest []byte, opts crypto.SignerOpts) ([]*p11.Mechanism, []byte, bool, error) {
	if opts == nil {
		return nil, nil, false, fmt.Errorf("no hash given: %w", signing.ErrUnsupported)
	}
	h := opts.HashFunc()
	if h != 0 && len(digest) != h.Size() {
		return nil, nil, false, fmt.Errorf("digest is %d bytes, %v needs %d", len(digest), h, h.Size())
	}
	switch k.Public().(type) {
	case *rsa.PublicKey:
		if pss, ok := opts.(*rsa.PSSOptions); ok {
			hm, ok := pssHashes[h]
			if !ok {
				return nil, nil, false, fmt.Errorf("RSA-PSS with %v: %w", h, signing.ErrUnsupported)
			}
			salt := pss.SaltLength
			switch {
			case salt == rsa.PSSSaltLengthAuto || salt == rsa.PSSSaltLengthEqualsHash:
				salt = h.Size()
			case salt < 0:
				return nil, nil, false, fmt.Errorf("RSA-PSS salt length %d: %w", salt, signing.ErrUnsupported)
			}
			// PKCS#11 v2.40 §2.1.14: CKM_RSA_PKCS_PSS signs a hash made
			// elsewhere, with CK_RSA_PKCS_PSS_PARAMS naming it.
			params := p11.NewPSSParams(hm.hash, hm.mgf, uint(salt))
			return []*p11.Mechanism{p11.NewMechanism(p11.CKM_RSA_PKCS_PSS, params)}, digest, false, nil
		}
		di, err := digestInfo(h, digest)
		if err != nil {
			return nil, nil, false, err
		}
		// PKCS#11 v2.40 §2.1.6: CKM_RSA_PKCS pads what it gets; the
		// DigestInfo (RFC 8017 §9.2) is ours to build.
		return []*p11.Mechanism{p11.NewMechanism(p11.CKM_RSA_PKCS, nil)}, di, false, nil
	case *ecdsa.PublicKey:
		if _, ok := opts.(*rsa.PSSOptions); ok {
			return nil, nil, false, fmt.Errorf("RSA-PSS with an EC key: %w", signing.ErrUnsupported)
		}
		return []*p11.Mechanism{p11.NewMechanism(p11.CKM_ECDSA, nil)}, digest, true, nil
	}
	return nil, nil, false, fmt.Errorf("key type %T: %w", k.Public(), signing.ErrUnsupported)
}

var pssHashes = map[crypto.Hash]struct{ hash, mgf uint }{
	crypto.SHA256: {p11.CKM_SHA256, p11.CKG_MGF1_SHA256},
	crypto.SHA384: {p11.CKM_SHA384, p11.CKG_MGF1_SHA384},
	crypto.SHA512: {p11.CKM_SHA512, p11.CKG_MGF1_SHA512},
}

// sign runs one signature on the session; the caller holds sem.
func (k *Key) sign(ctx context.Context, mech []*p11.Mechanism, data []byte) ([]byte, error) {
	m := k.l.mod
	if err := k.login(ctx); err != nil {
		return nil, err
	}
	if err := k.findPrivate(); err != nil {
		return nil, err
	}
	// The last moment to stop before the token does anything.
	if err := ctx.Err(); err != nil {
		return nil, cancelled(err)
	}
	if err := m.SignInit(k.sh, mech, k.priv); err != nil {
		return nil, ckr("C_SignInit", err)
	}
	if k.alwaysAuth {
		// PKCS#11 v2.40 §4.9 (CKA_ALWAYS_AUTHENTICATE) and §5.6: the
		// context-specific login comes between C_SignInit and C_Sign.
		if err := k.authenticate(ctx, p11.CKU_CONTEXT_SPECIFIC, signing.ContextPIN); err != nil {
			k.endOperation()
			return nil, err
		}
	}
	k.signatures.Add(1)
	k.log.Debug("pkcs11: C_Sign", "key", k.name, "mechanism", fmt.Sprintf("0x%X", mech[0].Mechanism))
	sig, err := m.Sign(k.sh, data)
	if err != nil {
		return nil, ckr("C_Sign", err)
	}
	return sig, nil
}

// login logs the user in unless the application already is (login state
// is per token and application, not per session) or the token needs none.
func (k *Key) login(ctx context.Context) error {
	info, err := k.l.mod.GetSessionInfo(k.sh)
	if err != nil {
		return ckr("C_GetSessionInfo", err)
	}
	if info.State == p11.CKS_RO_USER_FUNCTIONS || info.State == p11.CKS_RW_USER_FUNCTIONS {
		return nil
	}
	flags, err := tokenFlags(k.l.mod, k.slot)
	if err != nil {
		return err
	}
	if !has(flags, p11.CKF_LOGIN_REQUIRED) {
		return nil
	}
	return k.authenticate(ctx, p11.CKU_USER, signing.UserPIN)
}

// authenticate asks opts.PIN once and calls C_Login with it. It never
// retries: a wrong PIN is the signer's to retype, and a retry could lock
// the card.
func (k *Key) authenticate(ctx context.Context, userType uint, kind signing.PINKind) error {
	// Flags first: a locked PIN fails before anyone is asked, and the
	// prompt shows whether this is the final try or a pin-pad.
	flags, err := tokenFlags(k.l.mod, k.slot)
	if err != nil {
		return err
	}
	if has(flags, p11.CKF_USER_PIN_LOCKED) {
		return &signing.PINError{Locked: true, RetriesLeft: 0}
	}
	if k.pin == nil {
		return errors.New("a PIN is needed and no PIN callback was given")
	}
	req := signing.PINRequest{
		Kind:        kind,
		Token:       k.token,
		Key:         k.name,
		RetriesLeft: -1, // PKCS#11 does not tell the count, only the flags
		FinalTry:    has(flags, p11.CKF_USER_PIN_FINAL_TRY),
		PINPad:      has(flags, p11.CKF_PROTECTED_AUTHENTICATION_PATH),
	}
	pin, err := k.pin(ctx, req)
	defer signing.Zero(pin)
	if err != nil {
		return fmt.Errorf("PIN callback: %w", cancelled(err))
	}
	var p string
	if req.PINPad {
		// CKF_PROTECTED_AUTHENTICATION_PATH: the reader collects the PIN;
		// C_Login gets none (v2.40 §5.6). miekg/pkcs11 passes an empty
		// string, a non-NULL pointer with length 0, which modules accept.
		signing.Zero(pin)
	} else {
		if len(pin) == 0 {
			return fmt.Errorf("the PIN callback returned no PIN: %w", signing.ErrCancelled)
		}
		// A string over the PIN buffer rather than a copy, so that zeroing
		// the buffer after C_Login leaves no PIN in Go memory. The string
		// is not kept beyond the call.
		p = unsafe.String(&pin[0], len(pin))
	}
	k.log.Debug("pkcs11: C_Login", "token", k.token, "context specific", userType == p11.CKU_CONTEXT_SPECIFIC, "pin-pad", req.PINPad)
	err = k.l.mod.Login(k.sh, userType, p)
	signing.Zero(pin)
	switch {
	case err == nil:
		return nil
	case userType == p11.CKU_USER && isCode(err, p11.CKR_USER_ALREADY_LOGGED_IN):
		return nil // another Key of this process logged in meanwhile
	case isCode(err, p11.CKR_PIN_INCORRECT), isCode(err, p11.CKR_PIN_INVALID), isCode(err, p11.CKR_PIN_LEN_RANGE):
		return fmt.Errorf("C_Login: %w (%w)", k.pinError(), err)
	}
	return ckr("C_Login", err)
}

// pinError reads the flags a wrong PIN left behind.
func (k *Key) pinError() *signing.PINError {
	pe := &signing.PINError{RetriesLeft: -1}
	if flags, err := tokenFlags(k.l.mod, k.slot); err == nil {
		pe.FinalTry = has(flags, p11.CKF_USER_PIN_FINAL_TRY)
		pe.Locked = has(flags, p11.CKF_USER_PIN_LOCKED)
		if pe.Locked {
			pe.RetriesLeft = 0
		}
	}
	return pe
}

// findPrivate finds the private key after login when it is a private
// object, and reads CKA_ALWAYS_AUTHENTICATE.
func (k *Key) findPrivate() error {
	if k.havePriv {
		return nil
	}
	tmpl := []*p11.Attribute{p11.NewAttribute(p11.CKA_CLASS, p11.CKO_PRIVATE_KEY)}
	if k.id != nil {
		tmpl = append(tmpl, p11.NewAttribute(p11.CKA_ID, k.id))
	}
	if k.label != "" {
		tmpl = append(tmpl, p11.NewAttribute(p11.CKA_LABEL, k.label))
	}
	hs, err := find(k.l.mod, k.sh, tmpl)
	if err != nil {
		return err
	}
	switch len(hs) {
	case 0:
		return fmt.Errorf("private key with id %X: %w", k.id, signing.ErrKeyNotFound)
	case 1:
	default:
		return fmt.Errorf("%d private keys with id %X", len(hs), k.id)
	}
	k.priv, k.havePriv = hs[0], true
	k.alwaysAuth = boolAttr(k.l.mod, k.sh, k.priv, p11.CKA_ALWAYS_AUTHENTICATE)
	k.log.Debug("pkcs11: private key found", "key", k.name, "always authenticate", k.alwaysAuth)
	return nil
}

// endOperation ends a signing operation that was initialised but will not
// be finished. Cryptoki v2.40 cannot cancel one (SoftHSM2 keeps it active
// after a failed context-specific login), so the session is replaced: the
// new one is opened first and keeps the application's login.
func (k *Key) endOperation() {
	sh, err := k.l.mod.OpenSession(k.slot, p11.CKF_SERIAL_SESSION)
	if err != nil {
		k.log.Debug("pkcs11: cannot replace session", "error", err)
		return
	}
	_ = k.l.mod.CloseSession(k.sh)
	k.sh = sh
}

// Close logs out if this is the last open Key on the token in this process,
// and closes the session. A signature still running when Close is called
// closes the session when it ends.
func (k *Key) Close() error {
	k.state.Lock()
	if k.closed {
		k.state.Unlock()
		return nil
	}
	k.closed = true
	busy := k.busy
	k.state.Unlock()
	if busy {
		return nil
	}
	return k.release()
}

func (k *Key) release() error {
	m := k.l.mod
	var errs []error
	if k.l.keys.add(k.slot, -1) {
		if err := m.Logout(k.sh); err != nil && !isCode(err, p11.CKR_USER_NOT_LOGGED_IN) {
			errs = append(errs, ckr("C_Logout", err))
		}
	}
	if err := m.CloseSession(k.sh); err != nil {
		errs = append(errs, ckr("C_CloseSession", err))
	}
	// A token that is gone took its sessions and logins with it.
	errs = slices.DeleteFunc(errs, func(err error) bool { return errors.Is(err, signing.ErrTokenRemoved) })
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("close PKCS#11 key %q on token %q: %w", k.name, k.token, err)
	}
	return nil
}
