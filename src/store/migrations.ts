/**
 * Numbered schema migrations, applied in order inside one transaction each; the applied count
 * is kept in `PRAGMA user_version`. Never edit a released migration: append a new one.
 *
 * History tables hold intervals [from_v, to_v): a row is valid from version from_v up to (not
 * including) to_v; to_v IS NULL marks the current row. One index per table, led by the row's key
 * and then from_v, serves both "end the current row of this key" and as-of reads; the applier
 * (which diffs against its cache) guarantees at most one current row per key, and the history
 * tests check it. Fewer indexes keep a 100k-user initial apply within its time budget: tables of
 * small rows that no reader names an index of (memberships, links, aliases) are WITHOUT ROWID,
 * their primary key (key, from_v) being that one index, so each row is written once instead of
 * into a table and an index; grants too since migration 3 (grants_by_role is their one other). Tables of large rows (accounts, groups: JSON) stay rowid tables:
 * WITHOUT ROWID slows the small versions that update them (new rows split full key pages).
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE versions (
    id INTEGER PRIMARY KEY,
    committed_at INTEGER NOT NULL,
    source TEXT NOT NULL,
    trigger TEXT NOT NULL CHECK (trigger IN ('sync', 'scim', 'manual')),
    counts TEXT NOT NULL
  );
  CREATE INDEX versions_time ON versions (committed_at, id);

  CREATE TABLE accounts (
    source TEXT NOT NULL, external_id TEXT NOT NULL, data TEXT NOT NULL,
    from_v INTEGER NOT NULL, to_v INTEGER
  );
  CREATE INDEX accounts_key ON accounts (source, external_id, from_v);

  CREATE TABLE groups (
    source TEXT NOT NULL, external_id TEXT NOT NULL, data TEXT NOT NULL,
    from_v INTEGER NOT NULL, to_v INTEGER
  );
  CREATE INDEX groups_key ON groups (source, external_id, from_v);

  CREATE TABLE memberships (
    source TEXT NOT NULL, group_id TEXT NOT NULL, member TEXT NOT NULL,
    from_v INTEGER NOT NULL, to_v INTEGER,
    PRIMARY KEY (source, group_id, member, from_v)
  ) WITHOUT ROWID;

  CREATE TABLE principals (
    id TEXT NOT NULL, data TEXT NOT NULL,
    from_v INTEGER NOT NULL, to_v INTEGER
  );
  CREATE INDEX principals_key ON principals (id, from_v);

  CREATE TABLE links (
    source TEXT NOT NULL, external_id TEXT NOT NULL, principal_id TEXT NOT NULL,
    from_v INTEGER NOT NULL, to_v INTEGER,
    PRIMARY KEY (source, external_id, from_v)
  ) WITHOUT ROWID;

  CREATE TABLE aliases (
    kind TEXT NOT NULL, value TEXT NOT NULL, principal_id TEXT NOT NULL,
    from_v INTEGER NOT NULL, to_v INTEGER,
    PRIMARY KEY (value, kind, principal_id, from_v)
  ) WITHOUT ROWID;

  -- Grant paths repeat (one per group chain and role): stored once, referenced by id.
  CREATE TABLE grant_paths (id INTEGER PRIMARY KEY, json TEXT NOT NULL UNIQUE);
  CREATE TABLE grants (
    principal_id TEXT NOT NULL, role TEXT NOT NULL, path_id INTEGER NOT NULL REFERENCES grant_paths (id),
    from_v INTEGER NOT NULL, to_v INTEGER
  );
  CREATE INDEX grants_key ON grants (principal_id, role, from_v);
  CREATE INDEX grants_by_role ON grants (role, from_v, to_v, principal_id, path_id);
  CREATE INDEX grants_ended ON grants (to_v) WHERE to_v IS NOT NULL;

  -- The principals each version touched (their data, aliases or grants), so a follower (the
  -- decision responder, a replica) can apply a version without diffing whole tables.
  CREATE TABLE version_principals (
    version INTEGER NOT NULL, principal_id TEXT NOT NULL,
    PRIMARY KEY (version, principal_id)
  ) WITHOUT ROWID;

  CREATE TABLE sync_state (
    source TEXT PRIMARY KEY,
    cursor TEXT,
    last_success_at INTEGER,
    last_attempt_at INTEGER,
    last_error TEXT,
    last_error_at INTEGER,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    last_version INTEGER,
    -- A run in progress (JSON: items, waits, waitedMs, note, at); NULL when idle.
    progress TEXT
  );

  CREATE TABLE policy_versions (
    hash TEXT PRIMARY KEY,
    first_seen_at INTEGER NOT NULL,
    text TEXT NOT NULL
  );
  -- Which policy version was in force from when: one row per (re)activation.
  CREATE TABLE policy_activations (
    id INTEGER PRIMARY KEY,
    activated_at INTEGER NOT NULL,
    hash TEXT NOT NULL REFERENCES policy_versions (hash)
  );
  CREATE INDEX policy_activations_time ON policy_activations (activated_at, id);
  `,
  `
  -- Retention (compaction): history before floor_version was removed; as-of queries at or after
  -- floor_time stay exact, earlier ones are refused instead of answered wrongly.
  CREATE TABLE retention_floor (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    floor_version INTEGER NOT NULL,
    floor_time INTEGER NOT NULL,
    compacted_at INTEGER NOT NULL
  );
  -- Operator controls of a source, set by the CLI while the daemon runs (it polls them): a pause,
  -- and a request to apply a sync a guard held.
  CREATE TABLE source_control (
    source TEXT PRIMARY KEY,
    paused_at INTEGER,
    release_requested_at INTEGER
  );
  `,
  `
  -- Grants become WITHOUT ROWID, their primary key (principal_id, role, from_v) being the index
  -- grants_key was: one B-tree fewer to write per grant (a 100k-user initial apply writes 535k).
  CREATE TABLE grants_by_key (
    principal_id TEXT NOT NULL, role TEXT NOT NULL, path_id INTEGER NOT NULL REFERENCES grant_paths (id),
    from_v INTEGER NOT NULL, to_v INTEGER,
    PRIMARY KEY (principal_id, role, from_v)
  ) WITHOUT ROWID;
  INSERT INTO grants_by_key (principal_id, role, path_id, from_v, to_v)
    SELECT principal_id, role, path_id, from_v, to_v FROM grants ORDER BY principal_id, role, from_v;
  DROP TABLE grants;
  ALTER TABLE grants_by_key RENAME TO grants;
  CREATE INDEX grants_by_role ON grants (role, from_v, to_v, principal_id, path_id);
  CREATE INDEX grants_ended ON grants (to_v) WHERE to_v IS NOT NULL;
  `,
  `
  -- The decision settings (role ranks, source staleness limits) in force from when: one row per
  -- change, so who-could and replay at a past time use the ranks and limits of that time.
  CREATE TABLE decision_settings (
    id INTEGER PRIMARY KEY,
    activated_at INTEGER NOT NULL,
    settings TEXT NOT NULL
  );
  CREATE INDEX decision_settings_time ON decision_settings (activated_at, id);
  `,
];
