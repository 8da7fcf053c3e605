package ui

import (
	"os"
	"testing"
)

func TestMain(m *testing.M) {
	// Goldens and string checks are in English whatever the machine's locale.
	if err := SetupLanguage("en"); err != nil {
		panic(err)
	}
	os.Exit(m.Run())
}
