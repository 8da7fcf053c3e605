package seal

import (
	"os"
	"runtime/debug"
	"sync"
)

// sealGCPercent is the collector's pace while a run goes on. A run
// allocates some kilobytes per document and keeps little (a few MB of
// live heap), so at the default of 100 the collector runs every few
// dozen documents and costs about a tenth of the CPU time of a
// document. At 400 the heap may grow to five times the live heap: a
// peak RSS of ~36 MB instead of ~25 MB here, still the same for 1,000 or
// 10,000 files.
const sealGCPercent = 400

var gcState struct {
	sync.Mutex
	runs int // runs going on in this process
	prev int // the percentage before the first of them
}

// relaxGC sets the pace for a run and returns what puts it back when the
// last run ends. A GOGC in the environment is the user's choice and is
// left alone.
func relaxGC() (restore func()) {
	if _, set := os.LookupEnv("GOGC"); set {
		return func() {}
	}
	gcState.Lock()
	defer gcState.Unlock()
	if gcState.runs == 0 {
		gcState.prev = debug.SetGCPercent(sealGCPercent)
	}
	gcState.runs++
	return func() {
		gcState.Lock()
		defer gcState.Unlock()
		if gcState.runs--; gcState.runs == 0 {
			debug.SetGCPercent(gcState.prev)
		}
	}
}
