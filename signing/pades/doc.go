// Package pades writes PAdES baseline signatures (ETSI EN 319 142-1) into
// PDF documents in separate steps, so that a person can see what is signed
// before a key is used (SigV §16(3)):
//
//  1. Prepare writes the revision to be signed to a temporary file: the
//     input unchanged plus an incremental update (ISO 32000-1 §7.5.6) with
//     the signature field, its dictionary (SubFilter ETSI.CAdES.detached),
//     an optional visible stamp and a /Contents placeholder sized once.
//     The SHA-256 of the signed byte ranges is taken while copying.
//  2. The caller shows the temporary file and the digest, and has the CMS
//     made over that digest (package cms).
//  3. Embed re-checks the prepared bytes and writes the CMS in place.
//  4. Commit renames the file to the output, never over an existing one
//     unless asked.
//
// For B-LT and B-LTA, further revisions go onto the same temporary file
// between Embed and Commit: AppendDSS adds the document security store,
// Append(Options{DocTimeStamp: true}) prepares a document timestamp that
// Embed then fills, so the output still appears once.
//
// github.com/digitorus/pdf reads the input; the update itself is written
// here because digitorus/pdfsign's writer holds whole files in memory, fixes
// the SubFilter to adbe.pkcs7.detached and may call the key twice.
package pades
