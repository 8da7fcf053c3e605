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
// # Speed
//
// The key is the limit to aim for: Workers sessions sign while Workers plus
// one per CPU goroutines read, prepare and write files, so a session does
// not wait for the disk. Each input is read once (Prepare copies and hashes
// it, pades.Options.FileDigests) and the output digest for the audit log
// is taken from what Embed wrote, not read back; outputs are made durable a
// batch at a time with one syncfs.
//
// A "pkcs11:" key of a software HSM (SoftHSM2) signs in this process by
// default (Options.Signer): the agent process exists for card modules that
// hang when a card is pulled, and its round trip per signature cost about
// half the documents/s with EC keys in `make bench-seal`. Card and other
// modules stay in the agent unless Options.Signer asks for in-process.
//
// Two checks stay although a batch could do without them, because they
// are cheap next to the signature and guard the documents: Embed re-hashes
// the prepared file before it writes the signature (about 4 % of the CPU
// per document with EC P-256), and cms.SignDetached verifies every
// signature the token made before it is used (about 10 % with EC, less
// with RSA), so that a faulty HSM cannot put invalid seals into OUT or
// release a faulty RSA signature, which can reveal the key.
//
// # Audit log
//
// One JSON object per line, chained: each line carries seq (its 1-based
// line number), prev (the hash of the line before, empty for the first)
// and hash, the hex SHA-256 of the line as written without its trailing
// ,"hash":"…" member. After each flush the journal notes the last seq and
// hash, so that VerifyLog also notices lines cut from the end.
package seal
