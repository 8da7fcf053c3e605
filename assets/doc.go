// Package assets embeds Siegel's icons, stamp images, translations and the
// ATR table.
package assets
