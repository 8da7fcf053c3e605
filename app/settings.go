package app

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Settings are what Siegel remembers between runs. No secret is ever
// stored here.
type Settings struct {
	// CardModules are vendor PKCS#11 modules for cards, asked besides
	// (or, when set, instead of) OpenSC.
	CardModules []string `json:"cardModules,omitempty"`
	// PINPad overrides pin-pad detection per reader name, for readers
	// known to report it falsely.
	PINPad map[string]bool `json:"pinPad,omitempty"`
	// TSA is the default time-stamping authority URL.
	TSA string `json:"tsa,omitempty"`
	// Level is the default signature level.
	Level string `json:"level,omitempty"`
	// LastFolder is where the file dialog opens.
	LastFolder string `json:"lastFolder,omitempty"`
	// StampImage is the default image of a visible signature.
	StampImage string `json:"stampImage,omitempty"`
	// Language forces "de", "en" or "sl"; empty follows the system.
	Language string `json:"language,omitempty"`
	// TrustFiles are PEM files of extra trust anchors for verifying
	// (VerifyOptions.TrustFiles), e.g. a company CA.
	TrustFiles []string `json:"trustFiles,omitempty"`
	// OnlineRevocation lets verification fetch OCSP answers and CRLs
	// from the certificate issuers (VerifyOptions.Online).
	OnlineRevocation bool `json:"onlineRevocation,omitempty"`
	// EUTrustLists uses the EU trusted lists for verifying
	// (VerifyOptions.TrustLists): their qualified CAs become trust anchors
	// and they decide the qualified status.
	EUTrustLists bool `json:"euTrustLists,omitempty"`
	// LOTLSigners is a PEM file with the certificates allowed to sign the
	// EU list of trusted lists (TrustListOptions.LOTLSigners).
	LOTLSigners string `json:"lotlSigners,omitempty"`
	// LOTLURL replaces the EU list of trusted lists' address; empty: the
	// European Commission's.
	LOTLURL string `json:"lotlURL,omitempty"`
	// RemoteAccounts are the CSC services the person added; their
	// secrets live in the OS secret store (app/secrets), never here.
	RemoteAccounts []RemoteAccount `json:"remoteAccounts,omitempty"`
}

// SettingsPath is the settings file in the user's configuration folder
// (~/.config/siegel on Linux, %AppData%\siegel on Windows,
// ~/Library/Application Support/siegel on macOS), or $SIEGEL_SETTINGS.
func SettingsPath() (string, error) {
	if p := os.Getenv("SIEGEL_SETTINGS"); p != "" {
		return p, nil
	}
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "siegel", "settings.json"), nil
}

// LoadSettings reads the settings at path; a missing file gives defaults.
func LoadSettings(path string) (Settings, error) {
	var s Settings
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return s, fmt.Errorf("read settings: %w", err)
	}
	if err := json.Unmarshal(data, &s); err != nil {
		return s, fmt.Errorf("read settings %s: %w", path, err)
	}
	return s, nil
}

// Save writes the settings atomically (temporary file, then rename);
// its errors name the file, for the person to find it.
func (s Settings) Save(path string) error {
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("save settings %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("save settings %s: %w", path, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".settings-*.tmp")
	if err != nil {
		return fmt.Errorf("save settings %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("save settings %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("save settings %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("save settings %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("save settings %s: %w", path, err)
	}
	return nil
}
