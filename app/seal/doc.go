// Package seal seals every PDF of a folder tree with one key (DESIGN.md,
// "Batch sealing"): files are hashed and prepared in parallel workers, the
// key signs through as many PKCS#11 sessions as there are workers, each
// output is renamed into place when complete, and a journal and an audit
// log in the output folder make a killed run resume without redoing or
// losing a file.
//
// # Crash safety
//
// Outputs are prepared under temporary names that start with '.' (removed
// when a run starts) and renamed into place. Before the rename the journal
// (OUT/.siegel-journal) records the intent, so that a later run knows the
// output is its own. After a batch of renames one syncfs makes them durable,
// and only then is each file recorded as sealed in the audit log
// (OUT/siegel-audit.jsonl), which is fsynced. A file counts as done only
// through its "sealed" line: a run killed between rename and audit line
// reseals the file and replaces the unrecorded output. An output that
// exists with no intent and no record was not written by seal and is never
// replaced.
//
// # Audit log
//
// One JSON object per line, chained: each line carries seq (its 1-based
// line number), prev (the hash of the line before, empty for the first)
// and hash, the hex SHA-256 of the line as written without its trailing
// ,"hash":"…" member. After each flush the journal notes the last seq and
// hash, so that VerifyLog also notices lines cut from the end.
package seal
