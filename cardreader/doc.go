// Package cardreader will watch PC/SC readers and cards: insert and remove
// events, ATR identification, PIN counters and pin-pad detection. It never
// imports app or ui.
package cardreader
