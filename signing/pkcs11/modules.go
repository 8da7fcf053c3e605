package pkcs11

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// Well-known places of PKCS#11 modules, most likely first: OpenSC (which
// serves most EU eID and signature cards), then vendor middleware that
// brings its own module, then SoftHSM2, a software HSM. Each vendor path is
// where its installer puts the module by default, as the vendor documents
// it or as open-source signing tools load it (web-eid libelectronic-id,
// open-eid chrome-token-signing and digidoc4j, named where they are the
// source); the Windows and macOS paths were not tried on real installations
// here (packaging/windows and packaging/macos list that check). A module
// that is not installed is simply not found, so a path too many costs one
// stat.
//
// Windows entries start with %SystemRoot%, %ProgramFiles% or
// %ProgramFiles(x86)%, expanded from the environment (see expandWindows),
// so a Windows installed elsewhere than C: is searched too. A 64-bit process
// can only load 64-bit modules: %ProgramFiles% and %SystemRoot%\System32 are
// where 64-bit installers put them, and a 32-bit build sees the (x86)
// folder and SysWOW64 under the same names, so one list serves both.
// %ProgramFiles(x86)% appears only where a vendor puts its 64-bit module
// there (Nexus Personal).
var wellKnownModules = map[string][]string{
	"linux": {
		"/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so",
		"/usr/lib/aarch64-linux-gnu/opensc-pkcs11.so",
		"/usr/lib/x86_64-linux-gnu/pkcs11/opensc-pkcs11.so",
		"/usr/lib/aarch64-linux-gnu/pkcs11/opensc-pkcs11.so",
		"/usr/lib64/opensc-pkcs11.so",
		"/usr/lib64/pkcs11/opensc-pkcs11.so",
		"/usr/lib/opensc-pkcs11.so",
		"/usr/lib/pkcs11/opensc-pkcs11.so",
		"/usr/local/lib/opensc-pkcs11.so",
		"/usr/lib/softhsm/libsofthsm2.so",
		"/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
		"/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
		"/usr/lib64/pkcs11/libsofthsm2.so",
		"/usr/lib64/softhsm/libsofthsm2.so",
		"/usr/local/lib/softhsm/libsofthsm2.so",
	},
	"darwin": {
		// OpenSC: the OpenSC.pkg installer, then Homebrew on Apple silicon
		// (/opt/homebrew) and on Intel (/usr/local).
		"/Library/OpenSC/lib/opensc-pkcs11.so",
		"/opt/homebrew/lib/opensc-pkcs11.so",
		"/usr/local/lib/opensc-pkcs11.so",
		// Thales/Gemalto SafeNet Authentication Client (eToken, IDPrime).
		// Paths as used by open-eid chrome-token-signing and web-eid
		// libelectronic-id (eToken) and by Slovenian/Serbian CA tooling
		// (IDPrime).
		"/Library/Frameworks/eToken.framework/Versions/Current/libeToken.dylib",
		"/Library/Frameworks/eToken.framework/Versions/A/libIDPrimePKCS11.dylib",
		"/usr/local/lib/libeTPkcs11.dylib",
		// Gemalto Classic Client (LuxTrust, Luxembourg eID), per web-eid.
		"/Library/Frameworks/Pkcs11ClassicClient.framework/Versions/A/Pkcs11ClassicClient/libgclib.dylib",
		// Belgian eID middleware (eid.belgium.be): current, then older
		// releases, as probed by web-eid and chrome-token-signing.
		"/Library/Belgium Identity Card/Pkcs11/beid-pkcs11.bundle/Contents/MacOS/libbeidpkcs11.dylib",
		"/usr/local/lib/beid-pkcs11.bundle/Contents/MacOS/libbeidpkcs11.dylib",
		// IDEMIA AWP (Estonian eID since 2018), per chrome-token-signing.
		"/Library/AWP/lib/libOcsCryptoki.dylib",
		// Latvian eID middleware, per chrome-token-signing.
		"/Library/latvia-eid/lib/otlv-pkcs11.so",
		// Lithuanian eID (Softemia mCard), per web-eid.
		"/Library/mCard/lib/mcard-pkcs11.so",
		// Czech eOP middleware, per web-eid.
		"/usr/local/lib/eOPCZE/libeopproxyp11.dylib",
		// Croatian eID (AKD): its installer's place, per web-eid.
		"/usr/local/lib/pkcs11/libEidPkcs11.dylib",
		// Nexus Personal (Halcom, D-Trust): the module inside the app.
		"/Applications/Personal.app/Contents/Frameworks/libtokenapi.dylib",
		// A.E.T./G+D SafeSign IC: the module inside tokenadmin.app.
		"/Applications/tokenadmin.app/Contents/Frameworks/libaetpkss.dylib",
		// YubiKey PIV (Yubico PIV Tool .pkg, Homebrew yubico-piv-tool).
		"/usr/local/lib/libykcs11.dylib",
		"/opt/homebrew/lib/libykcs11.dylib",
		// SoftHSM2 from Homebrew.
		"/opt/homebrew/lib/softhsm/libsofthsm2.so",
		"/usr/local/lib/softhsm/libsofthsm2.so",
	},
	"windows": {
		// OpenSC MSI: the module in its program folder, and the copy it
		// places in System32 so that applications find it by name.
		`%ProgramFiles%\OpenSC Project\OpenSC\pkcs11\opensc-pkcs11.dll`,
		`%SystemRoot%\System32\opensc-pkcs11.dll`,
		// Thales/Gemalto SafeNet Authentication Client: eToken and the
		// IDPrime cards (issued by many EU CAs, Slovenian ones among them).
		`%SystemRoot%\System32\eTPKCS11.dll`,
		`%SystemRoot%\System32\IDPrimePKCS11.dll`,
		`%ProgramFiles%\SafeNet\Authentication\SAC\x64\IDPrimePKCS1164.dll`,
		// Gemalto IDGo 800 / IDPrime PKCS#11 library without SAC.
		`%ProgramFiles%\Gemalto\IDGo 800 PKCS#11\IDPrimePKCS1164.dll`,
		// Gemalto Classic Client (LuxTrust, Luxembourg eID), per web-eid.
		`%ProgramFiles%\Gemalto\Classic Client\BIN\gclib.dll`,
		// Atos (Eviden) CardOS API: cardos11.dll in current releases,
		// siecap11.dll in the older (Siemens) ones; D-Trust and many
		// German signature cards.
		`%SystemRoot%\System32\cardos11.dll`,
		`%SystemRoot%\System32\siecap11.dll`,
		// cv cryptovision sc/interface (D-Trust and others).
		`%SystemRoot%\System32\cvP11.dll`,
		// Nexus Personal (Halcom CA in Slovenia and Serbia, D-Trust): it
		// installs to the (x86) folder, with the 64-bit module in bin64.
		`%ProgramFiles(x86)%\Personal\bin64\personal64.dll`,
		// Belgian eID middleware (eid.belgium.be), per web-eid.
		`%SystemRoot%\System32\beidpkcs11.dll`,
		// IDEMIA AWP (Estonian eID since 2018), per open-eid digidoc4j.
		`%ProgramFiles%\IDEMIA\AWP\DLLs\OcsCryptoki.dll`,
		// Lithuanian eID (Softemia mCard), per web-eid.
		`%ProgramFiles%\Softemia\mcard\mcard-pkcs11.dll`,
		// Croatian eID (AKD Certilia, then the older eID middleware), per
		// web-eid.
		`%ProgramFiles%\AKD\Certilia Middleware\pkcs11\AkdEidPkcs11_64.dll`,
		`%ProgramFiles%\AKD\eID Middleware\pkcs11\AkdEidPkcs11_64.dll`,
		// Czech eOP middleware, per web-eid.
		`%SystemRoot%\System32\eopproxyp11.dll`,
		// A.E.T./G+D SafeSign IC, per chrome-token-signing.
		`%SystemRoot%\System32\aetpkss1.dll`,
		// YubiKey PIV: Yubico PIV Tool installer (Yubico's YKCS11 docs).
		`%ProgramFiles%\Yubico\Yubico PIV Tool\bin\libykcs11.dll`,
		// SoftHSM2 for Windows (its installer's default folder).
		`C:\SoftHSM2\lib\softhsm2-x64.dll`,
	},
}

// windowsFolders are the folders Windows entries start with, and where
// they are on a default installation, for when the environment does not
// say.
var windowsFolders = map[string]string{
	"SystemRoot":        `C:\Windows`,
	"ProgramFiles":      `C:\Program Files`,
	"ProgramFiles(x86)": `C:\Program Files (x86)`,
}

// expandWindows replaces a leading %NAME% of p by the folder the
// environment names, or by its default.
func expandWindows(p string, getenv func(string) string) string {
	if !strings.HasPrefix(p, "%") {
		return p
	}
	end := strings.Index(p[1:], "%")
	if end < 0 {
		return p
	}
	name := p[1 : end+1]
	dir := getenv(name)
	if dir == "" {
		dir = windowsFolders[name]
	}
	if dir == "" {
		return p // an unknown folder: left for the tests to catch
	}
	return strings.TrimRight(dir, `\`) + p[end+2:]
}

// candidateModules lists the well-known module paths for goos, with the
// folders of Windows entries resolved through getenv.
func candidateModules(goos string, getenv func(string) string) []string {
	list := wellKnownModules[goos]
	out := make([]string, 0, len(list))
	for _, p := range list {
		if goos == "windows" {
			p = expandWindows(p, getenv)
		}
		out = append(out, p)
	}
	return out
}

// DefaultModules returns the well-known PKCS#11 modules that exist on this
// machine, OpenSC first. Paths that are links to a module already listed are
// left out, so a person is not shown the same module twice; on Windows,
// where installers copy a module (OpenSC into System32) rather than link
// it, a file name already listed counts as the same module.
func DefaultModules() []string {
	return existingModules(candidateModules(runtime.GOOS, os.Getenv), runtime.GOOS == "windows")
}

// existingModules keeps the candidates that are files, once each.
func existingModules(candidates []string, byName bool) []string {
	var found []string
	seen := map[string]bool{}
	for _, p := range candidates {
		fi, err := os.Stat(p)
		if err != nil || fi.IsDir() {
			continue
		}
		real, err := filepath.EvalSymlinks(p)
		if err != nil {
			real = p
		}
		name := "name:" + strings.ToLower(baseName(p))
		if seen[real] || byName && seen[name] {
			continue
		}
		seen[real], seen[name] = true, true
		found = append(found, p)
	}
	return found
}

// baseName is the last element of a path with either separator, so that
// Windows paths are handled on every OS (tests run on Linux).
func baseName(p string) string {
	return p[strings.LastIndexAny(p, `/\`)+1:]
}
