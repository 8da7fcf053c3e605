package cli

import (
	"errors"
	"fmt"

	"github.com/siegel-app/siegel/app/seal"
)

// runAudit is "siegel audit verify LOG": exit 0 when the hash chain of a
// seal audit log is intact, 1 naming the first line that is not, 3 when
// the log cannot be read.
func runAudit(env Env, args []string) int {
	fs := newFlagSet(env, "audit", env.T("verify LOG"))
	pos, err := parse(env, fs, args)
	if err != nil {
		return usageError(env, fs, err)
	}
	if len(pos) != 2 || pos[0] != "verify" {
		return usageError(env, fs, env.errorf("expected: verify LOG (an OUT/siegel-audit.jsonl of siegel seal)"))
	}
	sum, err := seal.VerifyLog(pos[1])
	if err != nil {
		if errors.Is(err, seal.ErrTampered) {
			fmt.Fprintf(env.Stdout, "TAMPERED %s\n", err)
			return ExitError
		}
		fail(env, err)
		return ExitUnreadable
	}
	fmt.Fprintf(env.Stdout, "intact %s: %d lines, last hash %s\n", pos[1], sum.Lines, sum.LastHash)
	return ExitOK
}
