package ui

import (
	"testing"

	"github.com/siegel-app/siegel/internal/agenttest"
)

func TestMain(m *testing.M) {
	// Goldens and string checks are in English whatever the machine's locale.
	if err := SetupLanguage("en"); err != nil {
		panic(err)
	}
	// The SoftHSM2 flow signs through the PKCS#11 agent, which is this
	// test binary started again.
	agenttest.Main(m)
}
