/**
 * The decision log lives in its own SQLite file: its group commits never wait behind a long
 * role-state apply, and its growth (millions of rows) never slows role-state queries.
 * Each row carries the hash chain: hash = sha256(prev_hash + "\n" + record).
 */
export const DECISION_LOG_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE decisions (
    seq INTEGER PRIMARY KEY,
    decision_id TEXT NOT NULL,
    at INTEGER NOT NULL,
    subject TEXT NOT NULL,
    principal_id TEXT,
    route TEXT NOT NULL,
    decision TEXT NOT NULL,
    record TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
  );
  CREATE INDEX decisions_at ON decisions (at);
  CREATE INDEX decisions_subject ON decisions (subject, at);
  CREATE UNIQUE INDEX decisions_id ON decisions (decision_id);
  `,
  `
  -- Access reviews ask for each holder's last decision.
  CREATE INDEX decisions_principal ON decisions (principal_id, at) WHERE principal_id IS NOT NULL;
  -- Retention: the last record removed, so the chain still verifies from its first kept record.
  CREATE TABLE chain_anchor (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL,
    compacted_at INTEGER NOT NULL
  );
  `,
  `
  -- Lookups by subject and principal move off the append path (decision-log-index.ts): sorted runs
  -- of records instead of B-tree indexes that put every new record on a random page.
  DROP INDEX decisions_subject;
  DROP INDEX decisions_principal;
  CREATE TABLE decision_runs (
    run INTEGER PRIMARY KEY,
    first_seq INTEGER NOT NULL,
    last_seq INTEGER NOT NULL
  );
  CREATE TABLE decision_run_subjects (
    run INTEGER NOT NULL,
    subject TEXT NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (run, subject, seq)
  ) WITHOUT ROWID;
  CREATE TABLE decision_run_principals (
    run INTEGER NOT NULL,
    principal_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (run, principal_id, seq)
  ) WITHOUT ROWID;
  `,
  `
  -- Access review's "last decision" of each holder: every principal's newest record in the runs
  -- up to decision_last_through.run, so a lookup is a seek per holder plus the few runs after it,
  -- instead of a pass over every run's principal entries (5 s for 4,000 holders over 10M
  -- records). The writer folds new runs in a batch at a time (decision-log-index.ts): updating it
  -- per run rewrote most of its pages every 4,096 records. A writer that never folds (the
  -- release before, still running while a new CLI upgraded the file) only makes lookups slower.
  CREATE TABLE decision_last_by_principal (
    principal_id TEXT PRIMARY KEY,
    seq INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE TABLE decision_last_through (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    run INTEGER NOT NULL
  );
  INSERT INTO decision_last_by_principal (principal_id, seq)
    SELECT principal_id, max(seq) FROM decision_run_principals GROUP BY principal_id;
  INSERT INTO decision_last_through (id, run) SELECT 1, coalesce(max(run), 0) FROM decision_runs;
  `,
];
