package registry

import "accord/entry/body"

// ack_mismatches holds the acknowledgements that name an entry by another
// leaf hash than the one held, kept at ingest from whichever of the two
// comes second, so that mismatched reads only those, not every
// acknowledgement.

// writeMismatchesOf records the acknowledgements already held that name
// the entry rec by another leaf hash.
func (s *session) writeMismatchesOf(rec *Record) error {
	return s.exec(`INSERT OR IGNORE INTO ack_mismatches(origin, idx) SELECT origin, idx FROM acks
		WHERE target_origin = ? AND target_idx = ? AND target_hash <> ?`, rec.Origin, rec.Index, rec.LeafHash[:])
}

// writeMismatch records the acknowledgement rec, of the entry a names, if
// that entry is held with another leaf hash.
func (s *session) writeMismatch(rec *Record, a *body.Acknowledgement) error {
	return s.exec(`INSERT OR IGNORE INTO ack_mismatches(origin, idx) SELECT ?, ? FROM entries
		WHERE origin = ? AND idx = ? AND leaf_hash <> ?`, rec.Origin, rec.Index, a.Entry.Origin, a.Entry.Index, a.Entry.LeafHash[:])
}
