// Package app holds Siegel's use cases without any user interface: sign a
// document, list keys. The GUI and the CLI call these and supply the ports
// through which a use case talks back: PIN prompts, the review of what is
// about to be signed, progress.
package app
