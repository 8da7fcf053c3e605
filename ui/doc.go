// Package ui will hold Siegel's Fyne windows, dialogs and view-models. It
// talks to package app only; it is the one package besides main that may
// import Fyne. The desktop app is the subject of its own issue.
package ui
