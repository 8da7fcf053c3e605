package seal_test

import (
	"testing"

	"github.com/siegel-app/siegel/internal/agenttest"
)

// The test binary is its own PKCS#11 agent (Options.Signer "agent").
func TestMain(m *testing.M) { agenttest.Main(m) }
