package pades

import (
	"encoding/binary"
	"fmt"
	"sort"
)

// writeXref ends the update with a cross-reference section of the same kind
// as the input's: a table after a table, a stream after a stream
// (ISO 32000-1 §7.5.4, §7.5.8), chained to the previous one by /Prev.
func (w *writer) writeXref() {
	tr := Dict{"Prev": w.doc.startxref, "Root": w.doc.rootRef}
	for _, k := range []Name{"Info", "ID"} {
		if v, ok := w.doc.trailer[k]; ok {
			tr[k] = v
		}
	}
	if w.doc.xrefStream {
		self := w.alloc()
		tr["Size"] = int64(w.next)
		tr["Type"] = Name("XRef")
		start := w.pos()
		w.offsets[self.ID] = start
		ids := w.ids()
		var index Array
		var data []byte
		for _, run := range runs(ids) {
			index = append(index, int64(run[0]), int64(run[1]-run[0]+1))
		}
		for _, id := range ids {
			// W [1 8 2]: type 1 (in use), offset, generation.
			e := make([]byte, 11)
			e[0] = 1
			binary.BigEndian.PutUint64(e[1:9], uint64(w.offsets[id]))
			binary.BigEndian.PutUint16(e[9:], w.gens[id])
			data = append(data, e...)
		}
		tr["Index"] = index
		tr["W"] = Array{int64(1), int64(8), int64(2)}
		w.stream(self, tr, data)
		fmt.Fprintf(&w.buf, "startxref\n%d\n%%%%EOF\n", start)
		return
	}
	tr["Size"] = int64(w.next)
	start := w.pos()
	w.buf.WriteString("xref\n")
	ids := w.ids()
	for _, run := range runs(ids) {
		fmt.Fprintf(&w.buf, "%d %d\n", run[0], run[1]-run[0]+1)
		for id := run[0]; id <= run[1]; id++ {
			// Each entry is exactly 20 bytes (§7.5.4).
			fmt.Fprintf(&w.buf, "%010d %05d n\r\n", w.offsets[id], w.gens[id])
		}
	}
	w.buf.WriteString("trailer\n")
	writeValue(&w.buf, tr)
	fmt.Fprintf(&w.buf, "\nstartxref\n%d\n%%%%EOF\n", start)
}

func (w *writer) ids() []uint32 {
	ids := make([]uint32, 0, len(w.offsets))
	for id := range w.offsets {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids
}

// runs groups sorted ids into consecutive [first, last] runs.
func runs(ids []uint32) [][2]uint32 {
	var out [][2]uint32
	for _, id := range ids {
		if n := len(out); n > 0 && out[n-1][1]+1 == id {
			out[n-1][1] = id
			continue
		}
		out = append(out, [2]uint32{id, id})
	}
	return out
}
