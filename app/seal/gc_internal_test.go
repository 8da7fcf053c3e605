package seal

import (
	"os"
	"runtime/debug"
	"testing"
)

// gcPercent reads the collector's percentage by setting it back.
func gcPercent() int {
	p := debug.SetGCPercent(100)
	debug.SetGCPercent(p)
	return p
}

func TestRelaxGCNestsAndRestores(t *testing.T) {
	if _, set := os.LookupEnv("GOGC"); set {
		t.Skip("GOGC is set: relaxGC leaves it alone")
	}
	defer debug.SetGCPercent(debug.SetGCPercent(123))
	end1 := relaxGC()
	end2 := relaxGC()
	if got := gcPercent(); got != sealGCPercent {
		t.Fatalf("during two runs: GC percent %d, want %d", got, sealGCPercent)
	}
	end1()
	if got := gcPercent(); got != sealGCPercent {
		t.Fatalf("one run still going: GC percent %d, want %d", got, sealGCPercent)
	}
	end2()
	if got := gcPercent(); got != 123 {
		t.Fatalf("after both runs: GC percent %d, want the 123 from before", got)
	}
}
