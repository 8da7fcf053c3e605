package cli_test

import (
	"bytes"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/siegel-app/siegel/app/cli"
	"github.com/siegel-app/siegel/internal/softhsm"
)

// runIn runs the CLI in-process with the language variables in vars and
// no others from the process (the settings file is TestMain's, which does
// not exist).
func runIn(t *testing.T, vars map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	env := cli.Env{Stdin: strings.NewReader(""), Stdout: &o, Stderr: &e,
		Getenv: func(k string) string { return vars[k] }}
	code = cli.Run(env, args)
	return code, o.String(), e.String()
}

var (
	german    = map[string]string{"LANG": "de_DE.UTF-8"}
	slovenian = map[string]string{"LANG": "sl_SI.UTF-8"}
	cLocale   = map[string]string{"LANG": "C"}
)

// TestLanguageOrder: SIEGEL_LANG, then LC_ALL, LC_MESSAGES, LANG (with
// GNU LANGUAGE unless the locale is C), then the GUI's setting, then
// English.
func TestLanguageOrder(t *testing.T) {
	const en, de, sl = "Siegel signs, seals and verifies documents.",
		"Siegel signiert, versiegelt und prüft Dokumente.",
		"Siegel elektronsko podpisuje dokumente, jih opremlja z e-žigom in preverja."
	tests := []struct {
		name string
		vars map[string]string
		want string
	}{
		{"nothing set", nil, en},
		{"LANG=C", cLocale, en},
		{"LANG=POSIX", map[string]string{"LANG": "POSIX"}, en},
		{"LANG=C.UTF-8", map[string]string{"LANG": "C.UTF-8"}, en},
		{"German LANG", german, de},
		{"Slovenian LANG", slovenian, sl},
		{"Austrian German", map[string]string{"LANG": "de_AT@euro"}, de},
		{"English LANG", map[string]string{"LANG": "en_GB.UTF-8"}, en},
		{"unsupported language", map[string]string{"LANG": "fr_FR.UTF-8"}, en},
		{"LC_MESSAGES before LANG", map[string]string{"LANG": "de_DE.UTF-8", "LC_MESSAGES": "sl_SI.UTF-8"}, sl},
		{"LC_ALL before LC_MESSAGES", map[string]string{"LC_ALL": "de_DE.UTF-8", "LC_MESSAGES": "sl_SI.UTF-8"}, de},
		{"LC_ALL=C wins over LANG", map[string]string{"LC_ALL": "C", "LANG": "de_DE.UTF-8"}, en},
		{"LANGUAGE list", map[string]string{"LANG": "de_DE.UTF-8", "LANGUAGE": "fr:sl:de"}, sl},
		{"LANGUAGE ignored under C", map[string]string{"LANG": "C", "LANGUAGE": "sl"}, en},
		{"SIEGEL_LANG first", map[string]string{"LC_ALL": "de_DE.UTF-8", "SIEGEL_LANG": "sl"}, sl},
		{"SIEGEL_LANG=en over German", map[string]string{"LANG": "de_DE.UTF-8", "SIEGEL_LANG": "en"}, en},
		{"SIEGEL_LANG unsupported", map[string]string{"LANG": "de_DE.UTF-8", "SIEGEL_LANG": "fr"}, de},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runIn(t, tc.vars, "help")
			if code != cli.ExitOK || errOut != "" {
				t.Fatalf("exit %d, stderr %q", code, errOut)
			}
			if first := strings.SplitN(out, "\n", 2)[0]; first != tc.want {
				t.Errorf("first line %q, want %q", first, tc.want)
			}
		})
	}
}

// TestLanguageFromSettings: with no language in the environment the
// GUI's forced language applies; a language in the environment wins.
func TestLanguageFromSettings(t *testing.T) {
	path := filepath.Join(t.TempDir(), "settings.json")
	if err := os.WriteFile(path, []byte(`{"language":"sl"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SIEGEL_SETTINGS", path)
	for _, tc := range []struct {
		name string
		vars map[string]string
		want string
	}{
		{"unset", nil, "Ukazi:"},
		{"C", cLocale, "Ukazi:"},
		{"German LANG wins", german, "Befehle:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, out, _ := runIn(t, tc.vars, "help")
			if !strings.Contains(out, "\n"+tc.want+"\n") {
				t.Errorf("help lacks %q:\n%s", tc.want, out)
			}
		})
	}
}

// TestLanguageUsage: help, a command's options and a bad option in each
// language, with the same exit codes.
func TestLanguageUsage(t *testing.T) {
	tests := []struct {
		lang                 map[string]string
		commands, keyHelp    string
		unknownCmd, badFlag  string
		needValue, defaultIs string
	}{
		{cLocale, "Commands:", "-key URI\n    \tkey URI: pkcs11:", `siegel: unknown command "frobnicate"`, "siegel sign: unknown option -bogus",
			"siegel sign: option -key needs a value", `(default "auto")`},
		{german, "Befehle:", "-key URI\n    \tSchlüssel-URI: pkcs11:", `siegel: unbekannter Befehl "frobnicate"`, "siegel sign: unbekannte Option -bogus",
			"siegel sign: die Option -key braucht einen Wert", `(Vorgabe "auto")`},
		{slovenian, "Ukazi:", "-key URI\n    \tURI ključa: pkcs11:", `siegel: neznan ukaz "frobnicate"`, "siegel sign: neznana možnost -bogus",
			"siegel sign: možnost -key zahteva vrednost", `(privzeto "auto")`},
	}
	for _, tc := range tests {
		t.Run(tc.lang["LANG"], func(t *testing.T) {
			code, out, _ := runIn(t, tc.lang, "--help")
			if code != cli.ExitOK || !strings.Contains(out, tc.commands) {
				t.Errorf("help: exit %d, output lacks %q:\n%s", code, tc.commands, out)
			}
			code, _, errOut := runIn(t, tc.lang, "sign", "-h")
			if code != cli.ExitOK || !strings.Contains(errOut, tc.keyHelp) || !strings.Contains(errOut, "-accept-findings\n") {
				t.Errorf("sign -h: exit %d, output lacks %q:\n%s", code, tc.keyHelp, errOut)
			}
			code, _, errOut = runIn(t, tc.lang, "frobnicate")
			if code != cli.ExitUsage || !strings.HasPrefix(errOut, tc.unknownCmd+"\n") {
				t.Errorf("unknown command: exit %d, stderr starts %q, want %q", code, strings.SplitN(errOut, "\n", 2)[0], tc.unknownCmd)
			}
			code, out, errOut = runIn(t, tc.lang, "sign", "--bogus", "in.pdf", "out.pdf")
			if code != cli.ExitUsage || out != "" || lastLine(errOut) != tc.badFlag {
				t.Errorf("bad option: exit %d, last line %q, want %q", code, lastLine(errOut), tc.badFlag)
			}
			code, _, errOut = runIn(t, tc.lang, "sign", "in.pdf", "out.pdf", "--key")
			if code != cli.ExitUsage || lastLine(errOut) != tc.needValue {
				t.Errorf("option without value: exit %d, last line %q, want %q", code, lastLine(errOut), tc.needValue)
			}
			code, _, errOut = runIn(t, tc.lang, "seal", "-h")
			if code != cli.ExitOK || !strings.Contains(errOut, tc.defaultIs) {
				t.Errorf("seal -h: exit %d, output lacks %q:\n%s", code, tc.defaultIs, errOut)
			}
		})
	}
}

// TestLanguageErrors: real failures (a wrong PIN on SoftHSM2, a missing
// file, an unknown --lang) say what failed in the user's language, keep
// the file name and the technical cause, and exit as in English.
func TestLanguageErrors(t *testing.T) {
	f := newFixture(t)
	tok := softhsm.NewToken(t, "siegel-lang", "1234")
	tok.ImportKey(t, []byte{1}, "rsa", f.pki.SignerRSA, f.pki.Chain(f.pki.SignerRSA), false)
	wrongPIN := f.write("wrong-pin.txt", []byte("0000\n"))
	in := f.pdf("in.pdf", 1)
	missing := filepath.Join(f.dir, "missing.pdf")
	out := filepath.Join(f.dir, "out.pdf")

	tests := []struct {
		name string
		args []string
		code int
		want map[string]string // language → the last stderr line's start
		also string            // in every language: the technical cause
	}{
		{"wrong PIN", []string{"sign", "--key", tok.URI([]byte{1}), "--pin-file", wrongPIN, in, out}, cli.ExitError, map[string]string{
			"C":           "siegel: sign " + in + ": ",
			"de_DE.UTF-8": "siegel: Signieren von " + in + " fehlgeschlagen: falsche PIN",
			"sl_SI.UTF-8": "siegel: podpisovanje " + in + " ni uspelo: napačen PIN",
		}, "CKR_PIN_INCORRECT"},
		{"missing input", []string{"sign", "--key", "pkcs12:" + f.p12RSA, "--pin-file", f.pinFile, missing, out}, cli.ExitError, map[string]string{
			"C":           "siegel: sign " + missing + ": ",
			"de_DE.UTF-8": "siegel: Signieren von " + missing + " fehlgeschlagen: die Datei oder der Ordner existiert nicht (",
			"sl_SI.UTF-8": "siegel: podpisovanje " + missing + " ni uspelo: datoteka ali mapa ne obstaja (",
		}, "no such file or directory"},
		{"verify missing file", []string{"verify", missing}, cli.ExitUnreadable, map[string]string{
			"C":           "siegel: verify " + missing + ": ",
			"de_DE.UTF-8": "siegel: Prüfung von " + missing + " fehlgeschlagen: die Datei oder der Ordner existiert nicht (",
			"sl_SI.UTF-8": "siegel: preverjanje " + missing + " ni uspelo: datoteka ali mapa ne obstaja (",
		}, "no such file or directory"},
		{"inspect not a PDF", []string{"inspect", f.write("letter.pdf", []byte("Dear Sir or Madam,\n"))}, cli.ExitUnreadable, map[string]string{
			"C":           "siegel: inspect ",
			"de_DE.UTF-8": "siegel: Prüfen des Inhalts von " + filepath.Join(f.dir, "letter.pdf") + " fehlgeschlagen: keine PDF-Datei",
			"sl_SI.UTF-8": "siegel: pregled vsebine " + filepath.Join(f.dir, "letter.pdf") + " ni uspel: ni datoteka PDF",
		}, ""},
		{"bad --lang", []string{"verify", "--lang", "fr", in}, cli.ExitUsage, map[string]string{
			"C":           "siegel verify: --lang must be en, de or sl",
			"de_DE.UTF-8": "siegel verify: --lang muss en, de oder sl sein",
			"sl_SI.UTF-8": "siegel verify: --lang mora biti en, de ali sl",
		}, ""},
		{"bad --certify", []string{"sign", "--key", "pkcs12:" + f.p12RSA, "--certify=7", in, out}, cli.ExitUsage, map[string]string{
			"C":           `siegel sign: invalid value "7" for option -certify: DocMDP permission must be 1`,
			"de_DE.UTF-8": `siegel sign: ungültiger Wert "7" für die Option -certify: die DocMDP-Berechtigung muss 1`,
			"sl_SI.UTF-8": `siegel sign: neveljavna vrednost "7" za možnost -certify: dovoljenje DocMDP mora biti 1`,
		}, ""},
	}
	for _, tc := range tests {
		for _, lang := range []string{"C", "de_DE.UTF-8", "sl_SI.UTF-8"} {
			t.Run(tc.name+"/"+lang, func(t *testing.T) {
				code, stdout, stderr := runIn(t, map[string]string{"LANG": lang}, tc.args...)
				last := lastLine(stderr)
				if code != tc.code {
					t.Errorf("exit %d, want %d (stderr %q)", code, tc.code, last)
				}
				if stdout != "" {
					t.Errorf("stdout %q, want nothing", stdout)
				}
				if !strings.HasPrefix(last, tc.want[lang]) || !strings.Contains(last, tc.also) {
					t.Errorf("error line\n%q\nshould start %q and contain %q", last, tc.want[lang], tc.also)
				}
				if _, err := os.Stat(out); err == nil {
					t.Error("an output was written")
				}
			})
		}
	}
}

// TestLanguageJSON: machine-readable output and exit codes do not depend
// on the language; the text summary does.
func TestLanguageJSON(t *testing.T) {
	f := newFixture(t)
	in := f.pdf("in.pdf", 1)
	signed := filepath.Join(f.dir, "signed.pdf")
	if code, _, stderr := run(t, "sign", "--key", "pkcs12:"+f.p12RSA, "--pin-file", f.pinFile, in, signed); code != 0 {
		t.Fatalf("sign: %s", stderr)
	}
	missing := filepath.Join(f.dir, "missing.pdf")
	for _, args := range [][]string{
		{"verify", "--json", "--trust", f.root, signed, missing},
		{"verify", "--json", signed},
		{"inspect", "--json", signed, in},
		{"keys", "--json", "--module", "/nonexistent/libnothing.so"},
	} {
		t.Run(args[0]+" "+args[len(args)-1], func(t *testing.T) {
			code0, out0, _ := runIn(t, cLocale, args...)
			if !json.Valid([]byte(out0)) {
				t.Fatalf("not JSON: %s", out0)
			}
			for _, lang := range []map[string]string{german, slovenian, {"SIEGEL_LANG": "sl"}} {
				code, out, _ := runIn(t, lang, args...)
				if code != code0 || out != out0 {
					t.Errorf("%v: exit %d and output\n%s\ndiffer from English: exit %d\n%s", lang, code, out, code0, out0)
				}
			}
		})
	}
	// The summary follows --lang, which also beats the environment.
	for _, tc := range []struct {
		lang string
		vars map[string]string
		want string
	}{
		{"", german, "Signatur"},
		{"en", german, "Signature"},
		{"sl", german, "Podpis 1"},
	} {
		args := []string{"verify", "--trust", f.root, signed}
		if tc.lang != "" {
			args = append([]string{"verify", "--lang", tc.lang}, args[1:]...)
		}
		code, out, stderr := runIn(t, tc.vars, args...)
		if code == cli.ExitUnreadable || stderr != "" || out == "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, out, stderr)
		}
		if !strings.Contains(out, tc.want) {
			t.Errorf("%v: summary lacks %q:\n%s", args, tc.want, out)
		}
	}
}

// TestCatalogue: every message the code translates has a German and a
// Slovenian text with the same format verbs and option placeholders, and
// the catalogues hold nothing else.
func TestCatalogue(t *testing.T) {
	keys := messageKeys(t)
	if len(keys) < 100 {
		t.Fatalf("found only %d messages in the source; is the scanner broken?", len(keys))
	}
	verbs := regexp.MustCompile(`%[-+# 0-9.]*[a-zA-Z%]`)
	for _, lang := range []string{"de", "sl"} {
		b, err := os.ReadFile(filepath.Join("translations", lang+".json"))
		if err != nil {
			t.Fatal(err)
		}
		var cat map[string]string
		if err := json.Unmarshal(b, &cat); err != nil {
			t.Fatalf("translations/%s.json: %v", lang, err)
		}
		for k := range keys {
			v, ok := cat[k]
			switch {
			case !ok || strings.TrimSpace(v) == "":
				t.Errorf("%s: no translation of %q", lang, k)
			case !slices.Equal(verbs.FindAllString(k, -1), verbs.FindAllString(v, -1)):
				t.Errorf("%s: %q has the verbs %q, its translation %q has %q", lang, k, verbs.FindAllString(k, -1), v, verbs.FindAllString(v, -1))
			case strings.Count(k, "`") != strings.Count(v, "`"):
				t.Errorf("%s: %q and %q differ in `placeholders`", lang, k, v)
			}
		}
		for k := range cat {
			if !keys[k] {
				t.Errorf("%s: %q is not used in the code", lang, k)
			}
		}
	}
}

// messageKeys are the string literals passed to T, Tf, errorf and msg in
// the package's source.
func messageKeys(t *testing.T) map[string]bool {
	t.Helper()
	files, _ := filepath.Glob("*.go")
	fset := token.NewFileSet()
	keys := map[string]bool{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(af, func(n ast.Node) bool {
			c, ok := n.(*ast.CallExpr)
			if !ok || len(c.Args) == 0 {
				return true
			}
			var name string
			switch fn := c.Fun.(type) {
			case *ast.Ident:
				name = fn.Name
			case *ast.SelectorExpr:
				name = fn.Sel.Name
			}
			if name != "T" && name != "Tf" && name != "errorf" && name != "msg" {
				return true
			}
			lit, ok := c.Args[0].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true // a value marked with msg("…") where it is defined
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil {
				t.Fatal(err)
			}
			keys[s] = true
			return true
		})
	}
	return keys
}
