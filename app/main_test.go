package app_test

import (
	"testing"

	"github.com/siegel-app/siegel/internal/agenttest"
)

func TestMain(m *testing.M) { agenttest.Main(m) }
