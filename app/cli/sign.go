package cli

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/siegel-app/siegel/app"
	"github.com/siegel-app/siegel/signing/pades"
)

// certifyFlag is "--certify" (P=2) or "--certify=P".
type certifyFlag int

func (c *certifyFlag) String() string   { return strconv.Itoa(int(*c)) }
func (c *certifyFlag) IsBoolFlag() bool { return true }
func (c *certifyFlag) Set(s string) error {
	switch s {
	case "true":
		*c = 2
	case "false":
		*c = 0
	case "1", "2", "3":
		*c = certifyFlag(s[0] - '0')
	default:
		return fmt.Errorf("DocMDP permission must be 1 (no changes), 2 (form filling and signing) or 3 (also annotations)")
	}
	return nil
}

func runSign(env Env, args []string) int {
	fs := newFlagSet(env, "sign", "--key URI [options] IN.pdf OUT.pdf")
	key := fs.String("key", "", "key `URI`: pkcs11:token=…;id=…?module-path=… or pkcs12:/path/file.p12")
	pinFile := fs.String("pin-file", "", "read the PIN or password from `FILE` (for scripts); otherwise it is asked on the terminal")
	level := fs.String("level", "", "signature `level` B-B, B-T, B-LT or B-LTA (default B-T with --tsa, else B-B)")
	tsaURL := fs.String("tsa", "", "RFC 3161 time-stamping authority `URL` (for B-T, B-LT, B-LTA)")
	reason := fs.String("reason", "", "reason for signing")
	location := fs.String("location", "", "where the document is signed")
	contact := fs.String("contact", "", "contact information of the signer")
	visible := fs.String("visible", "", "visible stamp at `PAGE:X,Y,W,H` (PDF points from the lower-left corner of the page as displayed); invisible by default")
	image := fs.String("image", "", "PNG or JPEG `file` for the visible stamp")
	var certify certifyFlag
	fs.Var(&certify, "certify", "certification signature; --certify=P with DocMDP permission P 1, 2 (default) or 3")
	force := fs.Bool("force", false, "replace OUT.pdf if it exists")
	accept := fs.Bool("accept-findings", false, "sign although the content audit (siegel inspect) found blocking content")
	pos, err := parse(fs, args)
	if err != nil {
		return usageError(env, fs, err)
	}
	if len(pos) != 2 {
		return usageError(env, fs, errors.New("need IN.pdf and OUT.pdf"))
	}
	if *key == "" {
		return usageError(env, fs, errors.New("--key is required"))
	}
	st, err := loadSettings()
	if err != nil {
		return fail(env, err)
	}
	req := app.SignRequest{
		KeyURI: *key, In: pos[0], Out: pos[1], Force: *force,
		Level: *level, TSA: *tsaURL,
		Reason: *reason, Location: *location, Contact: *contact,
		Certify: int(certify), ImagePath: *image, Lang: locale(),
		CardModules: st.CardModules, AcceptFindings: *accept,
	}
	if *visible != "" {
		v, err := parseVisible(*visible)
		if err != nil {
			return usageError(env, fs, err)
		}
		req.Visible = v
	} else if *image != "" {
		return usageError(env, fs, errors.New("--image needs --visible"))
	}

	ctx, stop := env.context()
	defer stop()
	ports := app.Ports{
		PIN:    pinFunc(env, *pinFile),
		Review: func(_ context.Context, r *app.Review) error { printReview(env, r); return nil },
	}
	res, err := app.Sign(ctx, req, ports)
	if err != nil {
		return fail(env, err)
	}
	fmt.Fprintf(env.Stdout, "signed %s (%s) by %s\n", res.Out, res.Level, res.Signer.Subject.CommonName)
	return ExitOK
}

// parseVisible reads PAGE:X,Y,W,H.
func parseVisible(s string) (*pades.Visible, error) {
	bad := fmt.Errorf("--visible %q: expected PAGE:X,Y,W,H, e.g. 1:50,50,200,60", s)
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
		return nil, fmt.Errorf("--visible %q: width and height must be positive", s)
	}
	return &pades.Visible{Page: p, X: f[0], Y: f[1], W: f[2], H: f[3]}, nil
}

// printReview shows, before any PIN is asked, what will be signed.
func printReview(env Env, r *app.Review) {
	w := env.Stderr
	fmt.Fprintf(w, "Signing   %s -> %s (field %s)\n", r.In, r.Out, r.Field)
	fmt.Fprintf(w, "Signer    %s\n", r.Signer.Subject.CommonName)
	fmt.Fprintf(w, "Issuer    %s\n", r.Signer.Issuer.CommonName)
	fmt.Fprintf(w, "Valid     %s to %s\n", r.Signer.NotBefore.Format("2006-01-02"), r.Signer.NotAfter.Format("2006-01-02"))
	fmt.Fprintf(w, "Level     %s\n", r.Level)
	if r.Reason != "" {
		fmt.Fprintf(w, "Reason    %s\n", r.Reason)
	}
	fmt.Fprintf(w, "SHA-256   %s\n", hex.EncodeToString(r.Digest))
	de := strings.HasPrefix(locale(), "de")
	for _, f := range r.Findings {
		msg := f.Message
		if de && f.MessageDE != "" {
			msg = f.MessageDE
		}
		fmt.Fprintf(w, "Content   %s: %s\n", f.Severity, msg)
	}
}

// locale is the user's language from the POSIX locale variables, in their
// order of precedence.
func locale() string {
	for _, v := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if l := os.Getenv(v); l != "" {
			return strings.ToLower(l)
		}
	}
	return "en"
}
