//go:build !cgo

package cardreader

import (
	"context"
	"fmt"

	"github.com/siegel-app/siegel/signing"
)

// Without cgo there is no PC/SC: builds such as the headless UI test lane
// still compile, and say so when asked for readers.
var errNoCgo = fmt.Errorf("PC/SC needs a build with cgo: %w", signing.ErrUnsupported)

// List reports that PC/SC is not available in this build.
func List(Options) ([]Reader, error) { return nil, errNoCgo }

// Watch reports that PC/SC is not available in this build.
func Watch(context.Context, Options, func(Event)) error { return errNoCgo }

// PINStateOf reports that PC/SC is not available in this build.
func PINStateOf(string) (PINState, error) { return PINState{}, errNoCgo }
