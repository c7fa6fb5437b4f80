package registry

import (
	"time"

	"accord/internal/treaty"
)

// timeLayout is how recorded times and deadlines are stored: fixed width,
// so that text order is time order for years 0001 to 9999.
const timeLayout = "2006-01-02T15:04:05.000000000Z"

func fmtTime(t time.Time) string { return t.UTC().Format(timeLayout) }

func parseTime(s string) time.Time {
	t, _ := time.Parse(timeLayout, s)
	return t
}

func parseDate(s string) treaty.Date {
	d, _ := treaty.ParseDate(s)
	return d
}

// schema is the registry's database. Tables hold what the logs say and
// are only ever inserted into, except logs.next_index, the ingestion
// cursor, item_state, item_versions and version_heads, derived from
// item_history, and escrow_regions' reveal columns, set once by the
// region's reveal. Dates are stored as YYYY-MM-DD, times in timeLayout.
const schema = `
CREATE TABLE IF NOT EXISTS meta (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
) WITHOUT ROWID;

-- one row per log ingested: the index of the next entry expected.
CREATE TABLE IF NOT EXISTS logs (
	origin     TEXT PRIMARY KEY,
	party      TEXT NOT NULL,
	next_index INTEGER NOT NULL
) WITHOUT ROWID;

-- every entry ingested, refused ones included.
CREATE TABLE IF NOT EXISTS entries (
	origin    TEXT NOT NULL,
	idx       INTEGER NOT NULL,
	leaf_hash BLOB NOT NULL,
	party     TEXT NOT NULL,
	kind      TEXT NOT NULL,
	type      TEXT NOT NULL,    -- notification type, '' for other kinds
	effect    TEXT NOT NULL,    -- the type's effect, '' for other kinds
	effective TEXT NOT NULL,
	recorded  TEXT NOT NULL,
	due       TEXT,             -- deadline, NULL if none or measured from receipt
	corrects  INTEGER,          -- index of the corrected entry of the same log
	answers_origin TEXT,
	answers_idx    INTEGER,
	refused   TEXT,             -- NULL if applied, else the reason
	PRIMARY KEY (origin, idx)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS entries_refused ON entries (party, idx) WHERE refused IS NOT NULL;
-- for the findings that look across parties by kind and type up to a time
-- (unacknowledged notifications, inspection reports).
CREATE INDEX IF NOT EXISTS entries_by_kind ON entries (kind, type, recorded);

-- each entry's canonical JSON body, apart from the entries table so that
-- the queries that scan entries (findings, notices, statements) read
-- narrow rows: bodies were most of that table's bytes.
CREATE TABLE IF NOT EXISTS bodies (
	origin TEXT NOT NULL,
	idx    INTEGER NOT NULL,
	body   BLOB NOT NULL,
	PRIMARY KEY (origin, idx)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS entries_by_type ON entries (party, kind, type, effective);
CREATE INDEX IF NOT EXISTS entries_by_effect ON entries (party, effect, idx);
-- an inspection's steps: the latest step of a type before another, and
-- the steps answering one
CREATE INDEX IF NOT EXISTS entries_by_origin_type ON entries (origin, type, idx);
CREATE INDEX IF NOT EXISTS entries_by_answers ON entries (answers_origin, answers_idx);

-- the ids parties gave their notifications (body.Notification.ID): the
-- first entry of a log with an id holds it.
CREATE TABLE IF NOT EXISTS notification_ids (
	origin TEXT NOT NULL,
	id     TEXT NOT NULL,
	idx    INTEGER NOT NULL,
	PRIMARY KEY (origin, id)
) WITHOUT ROWID;

-- an index of the corrections: origin, idx is the corrected entry.
CREATE TABLE IF NOT EXISTS corrections (
	origin   TEXT NOT NULL,
	idx      INTEGER NOT NULL,
	by_idx   INTEGER NOT NULL,
	recorded TEXT NOT NULL,
	PRIMARY KEY (origin, idx, by_idx)
) WITHOUT ROWID;

-- every UID ever declared, and the entry that first declared it.
CREATE TABLE IF NOT EXISTS items (
	party  TEXT NOT NULL,
	uid    TEXT NOT NULL,
	origin TEXT NOT NULL,
	idx    INTEGER NOT NULL,
	PRIMARY KEY (party, uid)
) WITHOUT ROWID;

-- every facility named, and the entry that first named it.
CREATE TABLE IF NOT EXISTS facilities (
	party  TEXT NOT NULL,
	id     TEXT NOT NULL,
	origin TEXT NOT NULL,
	idx    INTEGER NOT NULL,
	PRIMARY KEY (party, id)
) WITHOUT ROWID;

-- item facts: one row per item per entry. A NULL column leaves the
-- item's value unchanged; moved_from is set on a move.
CREATE TABLE IF NOT EXISTS item_history (
	party      TEXT NOT NULL,
	uid        TEXT NOT NULL,
	effective  TEXT NOT NULL,
	idx        INTEGER NOT NULL,
	origin     TEXT NOT NULL,
	recorded   TEXT NOT NULL,
	type       TEXT,
	category   TEXT,
	status     TEXT,
	facility   TEXT,
	warheads   INTEGER,
	moved_from TEXT,
	PRIMARY KEY (party, uid, effective, idx)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS item_history_by_entry ON item_history (origin, idx);

-- each item's versions (docs/database.md, "Time travel"): its state
-- over a valid interval [valid_from, valid_to) of effective dates as known
-- over a recorded interval [recorded_from, recorded_to) of recorded
-- times, derived from item_history and corrections and rewritten
-- whenever the item's history changes; open ends are 9999-12-31 and
-- 9999-12-31T23:59:59.999999999Z. On any date and known-at time an item
-- has at most one version.
CREATE TABLE IF NOT EXISTS item_versions (
	party         TEXT NOT NULL,
	uid           TEXT NOT NULL,
	valid_from    TEXT NOT NULL,
	valid_to      TEXT NOT NULL,
	recorded_from TEXT NOT NULL,
	recorded_to   TEXT NOT NULL,
	type          TEXT NOT NULL,
	category      TEXT NOT NULL,
	status        TEXT NOT NULL,
	facility      TEXT NOT NULL,
	warheads      INTEGER NOT NULL,
	PRIMARY KEY (party, uid, valid_from, recorded_from)
) WITHOUT ROWID;

-- each item's head: its open version in item_versions (valid until
-- further notice, as known now) with its state, the key of the version
-- before it as known now ('' if none), and changed, the latest recorded
-- time at which any of the item's versions opened or closed. Derived from
-- item_versions, so that a fact after everything known about its item
-- extends the item's versions reading one row. An item whose every fact
-- is corrected has no head.
CREATE TABLE IF NOT EXISTS version_heads (
	party         TEXT NOT NULL,
	uid           TEXT NOT NULL,
	valid_from    TEXT NOT NULL,
	recorded_from TEXT NOT NULL,
	prev_from     TEXT NOT NULL,
	prev_recorded TEXT NOT NULL,
	changed       TEXT NOT NULL,
	type          TEXT NOT NULL,
	category      TEXT NOT NULL,
	status        TEXT NOT NULL,
	facility      TEXT NOT NULL,
	warheads      INTEGER NOT NULL,
	PRIMARY KEY (party, uid)
) WITHOUT ROWID;

-- each item's state after its latest fact as known now (corrected entries
-- left out), and that fact's date and index: derived from item_history so
-- that validating a fact dated after all others reads one row, not the
-- item's whole history. A missing row is rebuilt from item_history.
CREATE TABLE IF NOT EXISTS item_state (
	party     TEXT NOT NULL,
	uid       TEXT NOT NULL,
	effective TEXT NOT NULL,
	idx       INTEGER NOT NULL,
	type      TEXT NOT NULL,
	category  TEXT NOT NULL,
	status    TEXT NOT NULL,
	facility  TEXT NOT NULL,
	warheads  INTEGER NOT NULL,
	PRIMARY KEY (party, uid)
) WITHOUT ROWID;

-- acknowledgements: origin, idx is the acknowledging entry.
CREATE TABLE IF NOT EXISTS acks (
	origin        TEXT NOT NULL,
	idx           INTEGER NOT NULL,
	party         TEXT NOT NULL,
	recorded      TEXT NOT NULL,
	target_origin TEXT NOT NULL,
	target_idx    INTEGER NOT NULL,
	target_hash   BLOB NOT NULL,
	PRIMARY KEY (origin, idx)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS acks_by_target ON acks (target_origin, target_idx);
CREATE INDEX IF NOT EXISTS acks_by_recorded ON acks (recorded);

-- declared counts: one row per per-type row or aggregate value of a
-- declaration entry. A per-type row has type, category and status and an
-- empty limit_id; an aggregate value has limit_id and empty type,
-- category and status. For one party, date and key, the latest entry's
-- row is the one in force.
CREATE TABLE IF NOT EXISTS declared (
	party     TEXT NOT NULL,
	effective TEXT NOT NULL,
	idx       INTEGER NOT NULL,
	origin    TEXT NOT NULL,
	recorded  TEXT NOT NULL,
	type      TEXT NOT NULL,
	category  TEXT NOT NULL,
	status    TEXT NOT NULL,
	limit_id  TEXT NOT NULL,
	count     INTEGER NOT NULL,
	warheads  INTEGER NOT NULL,
	source    TEXT NOT NULL,
	PRIMARY KEY (party, effective, type, category, status, limit_id, idx)
) WITHOUT ROWID;

-- inspections conducted, from the inspecting party's log.
CREATE TABLE IF NOT EXISTS inspections (
	origin    TEXT NOT NULL,
	idx       INTEGER NOT NULL,
	party     TEXT NOT NULL,
	type      TEXT NOT NULL,
	inspected TEXT NOT NULL,
	effective TEXT NOT NULL,
	recorded  TEXT NOT NULL,
	PRIMARY KEY (origin, idx)
) WITHOUT ROWID;

-- warhead lots (docs/warheads.md): one row per lot of a warhead
-- notification (uid empty), and one per change of a warhead item's site,
-- category or status (uid set; from site, category, status to to_site,
-- to_category, to_status, count 1), rewritten from item_history whenever
-- the item's history changes.
CREATE TABLE IF NOT EXISTS warhead_lots (
	party       TEXT NOT NULL,
	origin      TEXT NOT NULL,
	idx         INTEGER NOT NULL,
	uid         TEXT NOT NULL,
	seq         INTEGER NOT NULL,
	effective   TEXT NOT NULL,
	recorded    TEXT NOT NULL,
	type        TEXT NOT NULL,
	effect      TEXT NOT NULL,
	site        TEXT NOT NULL,
	category    TEXT NOT NULL,
	status      TEXT NOT NULL,
	to_site     TEXT NOT NULL,
	to_category TEXT NOT NULL,
	to_status   TEXT NOT NULL,
	count       INTEGER NOT NULL,
	PRIMARY KEY (party, origin, idx, uid, seq)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS warhead_lots_by_date ON warhead_lots (party, effective, idx, uid, seq);
CREATE INDEX IF NOT EXISTS warhead_lots_by_uid ON warhead_lots (party, uid);

-- the findings of the fold of each party's warhead lots in date order:
-- derived from warhead_lots, and replaced whenever a party's history is
-- refolded.
CREATE TABLE IF NOT EXISTS warhead_findings (
	party     TEXT NOT NULL,
	origin    TEXT NOT NULL,
	idx       INTEGER NOT NULL,
	kind      TEXT NOT NULL,
	limit_id  TEXT NOT NULL,
	site      TEXT NOT NULL,
	category  TEXT NOT NULL,
	status    TEXT NOT NULL,
	effective TEXT NOT NULL,
	recorded  TEXT NOT NULL,
	type      TEXT NOT NULL,
	value     INTEGER NOT NULL,
	expected  INTEGER NOT NULL,
	reference TEXT NOT NULL,
	PRIMARY KEY (party, origin, idx, kind, limit_id, site, category, status)
) WITHOUT ROWID;

-- escrowed declarations (docs/escrow.md, "In the log"): one row per
-- applied commitment entry, hash the hex of its commitment's hash.
CREATE TABLE IF NOT EXISTS escrow_commitments (
	party     TEXT NOT NULL,
	origin    TEXT NOT NULL,
	idx       INTEGER NOT NULL,
	effective TEXT NOT NULL,
	recorded  TEXT NOT NULL,
	hash      TEXT NOT NULL UNIQUE,
	date      TEXT NOT NULL,
	total     INTEGER NOT NULL,
	capacity  INTEGER NOT NULL,
	regions   INTEGER NOT NULL,
	PRIMARY KEY (party, idx)
) WITHOUT ROWID;

-- each committed region, with its Pedersen count commitment in hex; the
-- reveal columns are NULL until an applied reveal entry of the region,
-- which sets them once (a region is revealed at most once).
CREATE TABLE IF NOT EXISTS escrow_regions (
	commitment       TEXT NOT NULL,
	region           TEXT NOT NULL,
	count            TEXT NOT NULL,
	reveal_idx       INTEGER,
	reveal_effective TEXT,
	reveal_recorded  TEXT,
	reveal_count     INTEGER,
	reveal_hash      TEXT,
	PRIMARY KEY (commitment, region)
) WITHOUT ROWID;
`
