//go:build cgo

package pkcs11

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"

	p11 "github.com/miekg/pkcs11"

	"github.com/siegel-app/siegel/signing"
)

// ListTokens lists the tokens present behind a module and their keys. It
// never logs in: keys are found from their certificates and public keys
// (CKA_ID links them), merged with the private keys that are public
// objects. Tokens that are not initialised are listed without keys.
func ListTokens(modulePath string) ([]TokenInfo, error) {
	return listTokens(modulePath, nil)
}

func listTokens(modulePath string, wrap func(module) module) ([]TokenInfo, error) {
	l, err := loadModule(modulePath)
	if err != nil {
		return nil, fmt.Errorf("list PKCS#11 tokens: %w", err)
	}
	l = l.with(wrap)
	m := l.mod
	slots, err := m.GetSlotList(true)
	if err != nil {
		return nil, fmt.Errorf("list PKCS#11 tokens of %s: %w", modulePath, ckr("C_GetSlotList", err))
	}
	var out []TokenInfo
	for _, slot := range slots {
		ti, err := m.GetTokenInfo(slot)
		if err != nil {
			if isRemoved(err) {
				continue
			}
			return nil, fmt.Errorf("list PKCS#11 tokens of %s: slot %d: %w", modulePath, slot, ckr("C_GetTokenInfo", err))
		}
		var slotDesc string
		if si, err := m.GetSlotInfo(slot); err == nil {
			slotDesc = trim(si.SlotDescription)
		}
		tok := TokenInfo{
			SlotDescription: slotDesc,
			SlotID:          slot,
			Label:           trim(ti.Label),
			Manufacturer:    trim(ti.ManufacturerID),
			Model:           trim(ti.Model),
			Serial:          trim(ti.SerialNumber),
			LoginRequired:   has(ti.Flags, p11.CKF_LOGIN_REQUIRED),
			PINPad:          has(ti.Flags, p11.CKF_PROTECTED_AUTHENTICATION_PATH),
			PINFinalTry:     has(ti.Flags, p11.CKF_USER_PIN_FINAL_TRY),
			PINLocked:       has(ti.Flags, p11.CKF_USER_PIN_LOCKED),
			PINCountLow:     has(ti.Flags, p11.CKF_USER_PIN_COUNT_LOW),
			Initialized:     has(ti.Flags, p11.CKF_TOKEN_INITIALIZED),
			ModulePath:      modulePath,
		}
		if tok.Initialized {
			keys, err := listKeys(m, slot, tok)
			if errors.Is(err, signing.ErrTokenRemoved) {
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("list PKCS#11 tokens of %s: token %q: %w", modulePath, tok.Label, err)
			}
			// Modules return objects in no fixed order (SoftHSM2's differs
			// between processes); listings should not.
			slices.SortStableFunc(keys, func(a, b KeyInfo) int {
				if c := bytes.Compare(a.ID, b.ID); c != 0 {
					return c
				}
				return strings.Compare(a.Label, b.Label)
			})
			tok.Keys = keys
		}
		out = append(out, tok)
	}
	return out, nil
}

func listKeys(m module, slot uint, tok TokenInfo) ([]KeyInfo, error) {
	sh, err := m.OpenSession(slot, p11.CKF_SERIAL_SESSION)
	if err != nil {
		return nil, ckr("C_OpenSession", err)
	}
	defer m.CloseSession(sh)
	objs, err := scan(m, sh)
	if err != nil {
		return nil, err
	}
	return objs.keys(tok), nil
}
