// Package ledger is a party's append-only, signed treaty log: every
// declaration, notification and acknowledgement the party makes is an
// [entry.Entry] appended to a Tessera log on local disk, committed to by
// C2SP tlog-checkpoint signed notes and laid out as C2SP tlog-tiles, so
// that any standard transparency-log client can follow and check it.
//
// [Log] appends; [Verify] checks a whole log (local directory or URL)
// against its key and a [TrustStore] of the checkpoints seen before;
// [Prove] makes offline receipts. docs/log.md explains the design.
//
// Trust model: the log key (a signed-note Ed25519 key, file mode 0600) is
// trusted: whoever holds it can sign entries and checkpoints for the party.
// The log files and the server that serves them are not trusted: at most
// they can withhold data or serve a history that [Verify] rejects. The
// trust store is trusted by the machine that keeps it: an attacker who can
// rewrite it can make a rollback to an older checkpoint go unnoticed there.
package ledger

import (
	"errors"
)

// ErrWrongLog reports an entry that names another treaty or party than the
// log it is appended to.
var ErrWrongLog = errors.New("entry belongs to another log")
