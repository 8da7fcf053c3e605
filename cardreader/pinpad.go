//go:build cgo

package cardreader

import (
	"github.com/ebfe/scard"
)

// pinPad asks the reader for its features over a direct connection, which
// works with or without a card. Readers that cannot answer have none.
func pinPad(sctx *scard.Context, reader string) bool {
	card, err := sctx.Connect(reader, scard.ShareDirect, scard.ProtocolUndefined)
	if err != nil {
		return false
	}
	defer card.Disconnect(scard.LeaveCard)
	out, err := card.Control(scard.CtlCode(ioctlGetFeatureRequest), nil)
	if err != nil {
		return false
	}
	return hasPINPad(out)
}
