package verify

import (
	"fmt"

	"github.com/siegel-app/siegel/signing/pades"
)

// maxRevisionsScanned bounds the earlier revisions searched for removed
// signatures.
const maxRevisionsScanned = 32

// removedSignatures finds signatures that an earlier revision holds but
// the final document no longer lists: a later update took the field or
// its value away, so a reader of the final file would never learn that
// the document had been signed (or certified) before. Each is reported
// as TOTAL-FAILED/SIG_CONSTRAINTS_FAILURE: removing a signature is a
// change no permission allows. found are the signatures of the final
// document.
func (v *pdfVerifier) removedSignatures(found []Signature) []Signature {
	rc := v.revisionChain()
	if len(rc.revs) < 2 {
		return nil
	}
	have := map[[4]int64]bool{}
	for _, s := range found {
		have[s.ByteRange] = true
	}
	var out []Signature
	reported := map[[4]int64]bool{}
	first := max(0, len(rc.revs)-1-maxRevisionsScanned)
	for i := first; i < len(rc.revs)-1 && v.revs.budget > 0; i++ {
		pre, err := pades.InspectPrefix(v.f.Name(), rc.revs[i].end)
		if err != nil {
			continue
		}
		v.revs.budget -= 100 + pre.Entries()/4 // as in analyseChanges
		if pre.Root() == nil {
			pre.Close()
			continue
		}
		a := &changeAnalysis{budget: min(maxVisits, v.revs.budget)}
		a.pre = docReader{in: pre, cache: map[pades.Ref]any{}, budget: &a.budget}
		start := a.budget
		for _, f := range a.fields(&a.pre) {
			if f.ft != "Sig" {
				continue
			}
			d := a.pre.dict(f.dict["V"])
			brA := a.pre.array(d["ByteRange"])
			if len(brA) != 4 {
				continue
			}
			var br [4]int64
			for j, x := range brA {
				br[j], _ = x.(int64)
			}
			if have[br] || reported[br] {
				continue
			}
			reported[br] = true
			s := Signature{Field: f.name, Indication: TotalFailed, SubIndication: SigConstraintsFailure,
				Coverage: WholeRevision, ByteRange: br, Revision: rc.index(br[2] + br[3]),
				DocTimestamp: d["Type"] == pades.Name("DocTimeStamp"), Qualified: QUnknown,
				Revocation:    Revocation{Source: RevSourceNone, Status: RevStatusNotChecked},
				Modifications: Modifications{Kind: ModDisallowed, Changes: []string{fmt.Sprintf("signature %s removed", f.name)}}}
			if s.Field == "" {
				s.Field = "(unnamed)"
			}
			s.note(tf("This signature, present in revision %d, was removed from the document by a later revision; it was not verified.", i+1))
			out = append(out, s)
		}
		v.revs.budget -= start - a.budget
		pre.Close()
	}
	return out
}
