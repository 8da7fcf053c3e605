// Package ui is Siegel's desktop app: the main window, the Review screen
// and the PIN dialog, built with Fyne on the use cases of package app.
//
// Each screen has a view-model (plain Go, tested without a window) and a
// thin Fyne view. Work that can block (token calls, signing, rendering,
// card events) runs on goroutines and reaches widgets only through
// fyne.Do. The Sign use case blocks in its Review and PIN ports until the
// person decides on the screen, so nothing is signed and no PIN is asked
// before the Review screen's explicit "Sign" (SigV §16(3)).
//
// Only this package and main import Fyne; this package does not import
// fyne.io/fyne/v2/app, so its tests run without a display (Fyne's test
// driver). They still need cgo: package app pulls in PC/SC and PKCS#11,
// which have no cgo-free build yet. Strings are English and German
// (translations/*.json, Fyne's lang package); goldens of the Review
// screen and the PIN dialog are in testdata/ (go test -update rewrites
// them).
package ui
