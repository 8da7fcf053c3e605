// Package cardreader watches PC/SC readers and the cards in them (PC/SC
// Workgroup specification; pcsc-lite on Linux and macOS, WinSCard on
// Windows): readers coming and going, cards inserted and removed, each card
// named from its ATR, the PIN state where the card tells it, and readers
// with a PIN pad (PC/SC part 10). It never imports app or ui.
package cardreader
