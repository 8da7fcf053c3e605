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

// status is the status word of a response APDU, 0 on transmission error.
func status(rsp []byte, err error) uint16 {
	if err != nil || len(rsp) < 2 {
		return 0
	}
	return uint16(rsp[len(rsp)-2])<<8 | uint16(rsp[len(rsp)-1])
}

// parseVerify reads the answer to an empty VERIFY (ISO/IEC 7816-4 §11.5.6):
// 9000 verified, 63Cx x tries left, 6983 blocked.
func parseVerify(sw uint16) PINState {
	switch {
	case sw == 0x9000:
		return PINState{Known: true, Verified: true, RetriesLeft: -1}
	case sw&0xFFF0 == 0x63C0:
		n := int(sw & 0x0F)
		return PINState{Known: true, RetriesLeft: n, Blocked: n == 0}
	case sw == 0x6983:
		return PINState{Known: true, Blocked: true}
	}
	return PINState{}
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
