package cli

import (
	"bytes"
	"context"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/siegel-app/siegel/app"
	"github.com/siegel-app/siegel/signing"
	"github.com/siegel-app/siegel/signing/csc"
	"github.com/siegel-app/siegel/signing/pades"
)

// certifyFlag is "--certify" (P=2) or "--certify=P".
type certifyFlag struct {
	p   int
	env Env // for the error's language
}

func (c *certifyFlag) String() string   { return strconv.Itoa(c.p) }
func (c *certifyFlag) IsBoolFlag() bool { return true }
func (c *certifyFlag) Set(s string) error {
	switch s {
	case "true":
		c.p = 2
	case "false":
		c.p = 0
	case "1", "2", "3":
		c.p = int(s[0] - '0')
	default:
		return c.env.errorf("DocMDP permission must be 1 (no changes), 2 (form filling and signing) or 3 (also annotations)")
	}
	return nil
}

func runSign(env Env, args []string) int {
	fs := newFlagSet(env, "sign", env.T("--key URI [options] IN.pdf OUT.pdf"))
	key := fs.String("key", "", env.T("key `URI`: pkcs11:token=…;id=…?module-path=…, pkcs12:/path/file.p12 or csc:https://HOST/csc/v2?credential=ID"))
	pinFile := fs.String("pin-file", "", env.T("read the PIN or password from `FILE` (for scripts); otherwise it is asked on the terminal"))
	level := fs.String("level", "", env.T("signature `level` B-B, B-T, B-LT or B-LTA (default B-T with --tsa, else B-B)"))
	tsaURL := fs.String("tsa", "", env.T("RFC 3161 time-stamping authority `URL` (for B-T, B-LT, B-LTA)"))
	reason := fs.String("reason", "", env.T("reason for signing"))
	location := fs.String("location", "", env.T("where the document is signed"))
	contact := fs.String("contact", "", env.T("contact information of the signer"))
	visible := fs.String("visible", "", env.T("visible stamp at `PAGE:X,Y,W,H` (PDF points from the lower-left corner of the page as displayed); invisible by default"))
	image := fs.String("image", "", env.T("PNG or JPEG `file` for the visible stamp"))
	certify := certifyFlag{env: env}
	fs.Var(&certify, "certify", env.T("certification signature; --certify=P with DocMDP permission P 1, 2 (default) or 3"))
	force := fs.Bool("force", false, env.T("replace OUT.pdf if it exists"))
	accept := fs.Bool("accept-findings", false, env.T("sign although the content audit (siegel inspect) found blocking content"))
	cf := addCSCFlags(env, fs, env.T("csc: keys"))
	otpFile := fs.String("otp-file", "", env.T("read the one-time password for a csc: key from `FILE` (used once); otherwise it is asked on the terminal"))
	pos, err := parse(env, fs, args)
	if err != nil {
		return usageError(env, fs, err)
	}
	if len(pos) != 2 {
		return usageError(env, fs, env.errorf("need IN.pdf and OUT.pdf"))
	}
	if *key == "" {
		return usageError(env, fs, env.errorf("--key is required"))
	}
	st, err := loadSettings()
	if err != nil {
		return fail(env, err)
	}
	req := app.SignRequest{
		KeyURI: *key, In: pos[0], Out: pos[1], Force: *force,
		Level: *level, TSA: *tsaURL,
		Reason: *reason, Location: *location, Contact: *contact,
		Certify: certify.p, ImagePath: *image, Lang: env.language(),
		CardModules: st.CardModules, AcceptFindings: *accept,
	}
	if *visible != "" {
		v, err := parseVisible(env, *visible)
		if err != nil {
			return usageError(env, fs, err)
		}
		req.Visible = v
	} else if *image != "" {
		return usageError(env, fs, env.errorf("--image needs --visible"))
	}

	if req.CSC, err = cf.forKey(env, *key, otpFile); err != nil {
		return usageError(env, fs, err)
	}
	defer req.CSC.Zero()

	ctx, stop := env.context()
	defer stop()
	ports := app.Ports{
		PIN:    withOTP(env, pinFunc(env, *pinFile), *otpFile),
		Review: func(_ context.Context, r *app.Review) error { printReview(env, r); return nil },
	}
	res, err := app.Sign(ctx, req, ports)
	if err != nil {
		return failOp(env, "sign", req.In, err)
	}
	fmt.Fprintln(env.Stdout, env.Tf("signed %s (%s) by %s", res.Out, res.Level, res.Signer.Subject.CommonName))
	return ExitOK
}

// parseVisible reads PAGE:X,Y,W,H.
func parseVisible(env Env, s string) (*pades.Visible, error) {
	bad := env.errorf("--visible %q: expected PAGE:X,Y,W,H, e.g. 1:50,50,200,60", s)
	page, rect, ok := strings.Cut(s, ":")
	if !ok {
		return nil, bad
	}
	p, err := strconv.Atoi(page)
	if err != nil || p < 1 {
		return nil, bad
	}
	parts := strings.Split(rect, ",")
	if len(parts) != 4 {
		return nil, bad
	}
	var f [4]float64
	for i, x := range parts {
		if f[i], err = strconv.ParseFloat(strings.TrimSpace(x), 64); err != nil {
			return nil, bad
		}
	}
	if f[2] <= 0 || f[3] <= 0 {
		return nil, env.errorf("--visible %q: width and height must be positive", s)
	}
	return &pades.Visible{Page: p, X: f[0], Y: f[1], W: f[2], H: f[3]}, nil
}

// printReview shows, before any PIN is asked, what will be signed.
func printReview(env Env, r *app.Review) {
	rows := [][2]string{
		{env.T("Signing"), env.Tf("%s -> %s (field %s)", r.In, r.Out, r.Field)},
		{env.T("Signer"), r.Signer.Subject.CommonName},
		{env.T("Issuer"), r.Signer.Issuer.CommonName},
		{env.T("Valid"), env.Tf("%s to %s", r.Signer.NotBefore.Format("2006-01-02"), r.Signer.NotAfter.Format("2006-01-02"))},
		{env.T("Level"), r.Level},
	}
	if r.Reason != "" {
		rows = append(rows, [2]string{env.T("Reason"), r.Reason})
	}
	rows = append(rows, [2]string{"SHA-256", hex.EncodeToString(r.Digest)})
	for _, f := range r.Findings {
		rows = append(rows, [2]string{env.T("Content"), severityText(env, f.Severity) + ": " + findingText(env, f)})
	}
	writeRows(env.Stderr, rows)
}

// writeRows writes label-value lines with the values aligned, however
// long the labels are in the run's language.
func writeRows(w io.Writer, rows [][2]string) {
	width := 9 // the English labels' column
	for _, r := range rows {
		width = max(width, utf8.RuneCountInString(r[0]))
	}
	for _, r := range rows {
		pad := strings.Repeat(" ", width-utf8.RuneCountInString(r[0]))
		fmt.Fprintf(w, "%s%s %s\n", r[0], pad, r[1])
	}
}

// cscFlags are the service sign-in flags of csc: keys.
type cscFlags struct {
	clientID, secretFile, username, passwordFile *string
}

func addCSCFlags(env Env, fs *flag.FlagSet, what string) cscFlags {
	return cscFlags{
		clientID:     fs.String("client-id", "", env.Tf("OAuth 2.0 client `ID` at the remote signing service, for %s (client credentials)", what)),
		secretFile:   fs.String("client-secret-file", "", env.Tf("read the OAuth 2.0 client secret for %s from `FILE`", what)),
		username:     fs.String("username", "", env.Tf("sign in to the remote signing service as `USER` (basic login), for %s", what)),
		passwordFile: fs.String("password-file", "", env.T("read the password of --username from `FILE`")),
	}
}

// set reports whether any of the flags was given.
func (f cscFlags) set() bool {
	return *f.clientID != "" || *f.secretFile != "" || *f.username != "" || *f.passwordFile != ""
}

// forKey is the sign-in the flags ask for when key is a csc: key. For any
// other key it is nil, and a CSC flag is a usage error, as is --otp-file
// where the command has it (otpFile not nil). The caller zeroes the
// secrets (csc.Auth.Zero).
func (f cscFlags) forKey(env Env, key string, otpFile *string) (*csc.Auth, error) {
	switch {
	case strings.HasPrefix(strings.ToLower(key), "csc:"):
		return f.auth(env)
	case otpFile != nil && (f.set() || *otpFile != ""):
		return nil, env.errorf("--client-id, --client-secret-file, --username, --password-file and --otp-file are for csc: keys")
	case f.set():
		return nil, env.errorf("--client-id, --client-secret-file, --username and --password-file are for csc: keys")
	}
	return nil, nil
}

// auth is the service sign-in the flags ask for.
func (f cscFlags) auth(env Env) (*csc.Auth, error) {
	return cscAuth(env, *f.clientID, *f.secretFile, *f.username, *f.passwordFile)
}

// cscAuth is how a csc: key signs in: the client credentials grant or a
// basic login (auth/login). Secrets are read from files (never a flag
// value, which other users can see).
func cscAuth(env Env, clientID, secretFile, username, passwordFile string) (*csc.Auth, error) {
	basic := username != "" || passwordFile != ""
	client := clientID != "" || secretFile != ""
	switch {
	case basic && client:
		return nil, env.errorf("csc: give either --client-id and --client-secret-file or --username and --password-file")
	case basic:
		if username == "" || passwordFile == "" {
			return nil, env.errorf("csc: basic login needs --username and --password-file")
		}
		pw, err := readSecretFile(env, env.T("password file"), passwordFile)
		if err != nil {
			return nil, err
		}
		return &csc.Auth{Username: username, Password: pw}, nil
	}
	if clientID == "" || secretFile == "" {
		return nil, env.errorf("csc: keys need --client-id and --client-secret-file (or --username and --password-file)")
	}
	secret, err := readSecretFile(env, env.T("client secret file"), secretFile)
	if err != nil {
		return nil, err
	}
	return &csc.Auth{ClientID: clientID, ClientSecret: secret}, nil
}

// readSecretFile reads a secret without its line end; the file's buffer is
// zeroed, the caller zeroes the result after use.
func readSecretFile(env Env, what, path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	out := append([]byte(nil), bytes.TrimRight(b, "\r\n")...)
	signing.Zero(b)
	if len(out) == 0 {
		return nil, env.errorf("%s %s is empty", what, path)
	}
	return out, nil
}

// withOTP answers one-time password prompts of remote keys: from otpFile,
// once (a one-time password serves one authorization), or on the
// terminal, saying where the code comes from. Other prompts go to pin.
func withOTP(env Env, pin signing.PINFunc, otpFile string) signing.PINFunc {
	used := false
	return func(ctx context.Context, req signing.PINRequest) ([]byte, error) {
		if req.Kind != signing.OTP {
			return pin(ctx, req)
		}
		if otpFile != "" {
			if used {
				return nil, env.errorf("OTP file %s was used already: a one-time password serves once", otpFile)
			}
			used = true
			return readSecretFile(env, env.T("OTP file"), otpFile)
		}
		what := env.Tf("One-time password for %q at %s", req.Key, req.Token)
		if req.Hint != "" {
			what += " (" + req.Hint + ")"
		}
		return readTerminal(env, what, req)
	}
}
