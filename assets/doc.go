// Package assets embeds Siegel's icons, stamp images, translations and the
// ATR table.
package assets

import _ "embed"

// ATRTable is Siegel's own table of card names by ATR, in the format of
// pcsc-tools' smartcard_list.txt.
//
//go:embed atr.txt
var ATRTable []byte
