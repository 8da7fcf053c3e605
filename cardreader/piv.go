//go:build cgo

package cardreader

import (
	"log/slog"

	"github.com/ebfe/scard"
)

// NIST SP 800-73-4 part 2: the PIV application, and VERIFY without data,
// which answers the PIN's state without trying one (§3.2.1).
var (
	selectPIV = []byte{0x00, 0xA4, 0x04, 0x00, 0x09, 0xA0, 0x00, 0x00, 0x03, 0x08, 0x00, 0x00, 0x10, 0x00, 0x00}
	verifyPIN = []byte{0x00, 0x20, 0x00, 0x80}
)

// pinState reads the PIN counter of cards that tell it without a PIN
// attempt (PIV). Other cards leave it unknown: PKCS#11 flags are all there
// is for them. The card is shared, and left as it was found.
func pinState(sctx *scard.Context, reader string, log *slog.Logger) PINState {
	card, err := sctx.Connect(reader, scard.ShareShared, scard.ProtocolAny)
	if err != nil {
		log.Debug("pin state: connect", "reader", reader, "err", err)
		return PINState{}
	}
	defer card.Disconnect(scard.LeaveCard)
	if err := card.BeginTransaction(); err != nil {
		return PINState{}
	}
	defer card.EndTransaction(scard.LeaveCard)
	if sw := status(card.Transmit(selectPIV)); sw != 0x9000 && sw>>8 != 0x61 {
		return PINState{}
	}
	return parseVerify(status(card.Transmit(verifyPIN)))
}

// PINStateOf asks the card in reader for its PIN state (PIV cards tell it
// without a PIN attempt). A card that does not tell gives Known false.
func PINStateOf(reader string) (PINState, error) {
	sctx, err := scard.EstablishContext()
	if err != nil {
		return PINState{}, translate("establish PC/SC context", err)
	}
	defer sctx.Release()
	return pinState(sctx, reader, slog.New(slog.DiscardHandler)), nil
}
