/**
 * Every error Roster reports, in one table: a stable code, an HTTP status for the sockets, a CLI
 * exit code, and a message template filled from the error's context (`{name}`). docs/errors.md
 * is generated from this table and a test keeps them in step.
 */
export interface ErrorSpec {
  readonly status: number;
  readonly exit: number;
  readonly message: string;
}

export const EXIT = { ok: 0, failure: 1, usage: 2, config: 3, notFound: 4, store: 5, mismatch: 6, held: 7, denied: 8 } as const;

export const ERROR_CODES = {
  ROSTER_ERR_CONFIG_INVALID: { status: 500, exit: EXIT.config, message: 'invalid configuration in {file}: {details}' },
  ROSTER_ERR_CONFIG_READ: { status: 500, exit: EXIT.config, message: 'cannot read configuration file {file}: {cause}' },
  ROSTER_ERR_SECRET_UNAVAILABLE: { status: 500, exit: EXIT.config, message: 'secret {ref} for {where} is unavailable: {cause}' },
  ROSTER_ERR_STORE_OPEN: { status: 503, exit: EXIT.store, message: 'cannot open the store {path}: {cause}' },
  ROSTER_ERR_STORE_CORRUPT: { status: 503, exit: EXIT.store, message: 'the store {path} is damaged or unreadable: {cause}' },
  ROSTER_ERR_STORE_TOO_NEW: { status: 503, exit: EXIT.store, message: 'the store {path} has schema {found}, newer than this Roster ({known}); upgrade Roster' },
  ROSTER_ERR_STORE_LOCKED: { status: 503, exit: EXIT.store, message: 'another Roster process holds the store {path} for writing (a daemon is running?)' },
  ROSTER_ERR_SOURCE_UNKNOWN: { status: 404, exit: EXIT.notFound, message: 'no source with id "{source}" in the configuration' },
  ROSTER_ERR_SOURCE_TYPE_UNKNOWN: { status: 500, exit: EXIT.config, message: 'source "{source}" has unknown type "{type}" (known: {known})' },
  ROSTER_ERR_SYNC_FAILED: { status: 502, exit: EXIT.failure, message: 'sync of source "{source}" failed: {cause}' },
  ROSTER_ERR_SYNC_EMPTY_SNAPSHOT: { status: 409, exit: EXIT.held, message: 'source "{source}" delivered an empty snapshot while {current} accounts are held; not applied (accept with --accept-deletions)' },
  ROSTER_ERR_SYNC_HELD: { status: 409, exit: EXIT.held, message: 'source "{source}" would remove {accountsRemoved} of {accountsBefore} accounts and {grantsRemoved} of {grantsBefore} role grants (more than {maxPercent}%); held, not applied (release with `roster sync --source {source} --accept-deletions`)' },
  ROSTER_ERR_SYNC_PAUSED: { status: 409, exit: EXIT.held, message: 'source "{source}" is paused (since {since}); `roster resume {source}` resumes it' },
  ROSTER_ERR_SYNC_BUSY: { status: 409, exit: EXIT.failure, message: 'a sync of source "{source}" is already running' },
  ROSTER_ERR_SUBJECT_UNKNOWN: { status: 404, exit: EXIT.notFound, message: 'no principal has the identifier "{subject}"{when}' },
  ROSTER_ERR_SUBJECT_AMBIGUOUS: { status: 409, exit: EXIT.notFound, message: 'the identifier "{subject}" belongs to several principals: {principals}' },
  ROSTER_ERR_ROLE_UNKNOWN: { status: 404, exit: EXIT.notFound, message: 'no role named "{role}" was configured at the time asked' },
  ROSTER_ERR_TIME_INVALID: { status: 400, exit: EXIT.usage, message: 'cannot read "{input}" as a time: give ISO-8601 (2026-01-31T12:00:00Z) or a version (@1842)' },
  ROSTER_ERR_VERSION_UNKNOWN: { status: 404, exit: EXIT.notFound, message: 'no role-state version at or before {at}' },
  ROSTER_ERR_POLICY_INVALID: { status: 500, exit: EXIT.config, message: 'invalid policy in {file}: {details}' },
  ROSTER_ERR_POLICY_READ: { status: 500, exit: EXIT.config, message: 'cannot read policy file {file}: {cause}' },
  ROSTER_ERR_POLICY_VERSION_UNKNOWN: { status: 404, exit: EXIT.notFound, message: 'no policy version was in force at {at}' },
  ROSTER_ERR_REQUEST_MALFORMED: { status: 400, exit: EXIT.usage, message: 'the request body is not valid JSON: {cause}' },
  ROSTER_ERR_REQUEST_INVALID: { status: 400, exit: EXIT.usage, message: 'the decision request is invalid: {details}' },
  ROSTER_ERR_REQUEST_TOO_LARGE: { status: 413, exit: EXIT.usage, message: 'the request body exceeds {limit} bytes' },
  ROSTER_ERR_REQUEST_TIMEOUT: { status: 408, exit: EXIT.usage, message: 'the request was not complete within {ms} ms; the connection is closed' },
  ROSTER_ERR_REQUEST_CONTENT_TYPE: { status: 415, exit: EXIT.usage, message: 'expected Content-Type application/json, found "{found}"' },
  ROSTER_ERR_SUBJECT_MISSING: { status: 401, exit: EXIT.usage, message: 'no subject: the {header} header is missing or empty' },
  ROSTER_ERR_NOT_FOUND: { status: 404, exit: EXIT.usage, message: 'no endpoint {method} {path}' },
  ROSTER_ERR_METHOD_NOT_ALLOWED: { status: 405, exit: EXIT.usage, message: '{path} does not accept {method} (use {allowed})' },
  ROSTER_ERR_NOT_READY: { status: 503, exit: EXIT.failure, message: 'not ready: {details}' },
  ROSTER_ERR_AUDIT_UNAVAILABLE: { status: 503, exit: EXIT.failure, message: 'the decision log cannot record decisions ({cause}); denying (audit failure policy: fail closed)' },
  ROSTER_ERR_SOCKET_IN_USE: { status: 500, exit: EXIT.failure, message: 'socket {path} is in use by another running process' },
  ROSTER_ERR_SOCKET_GROUP_UNKNOWN: { status: 500, exit: EXIT.config, message: 'socket group "{group}" does not exist' },
  ROSTER_ERR_SOCKET_UNVERIFIABLE: { status: 500, exit: EXIT.failure, message: 'socket {path} exists and connecting to it fails with {cause}, so it may belong to a running process; left alone (remove it if nothing uses it)' },
  ROSTER_ERR_AUDIT_CHAIN_BROKEN: { status: 500, exit: EXIT.mismatch, message: 'the decision log chain is broken at record {seq} ({decisionId}): {problem}' },
  ROSTER_ERR_DECISION_UNKNOWN: { status: 404, exit: EXIT.notFound, message: 'no decision with id "{decisionId}" in the log' },
  ROSTER_ERR_BACKUP_FAILED: { status: 500, exit: EXIT.failure, message: 'backup of {source} to {target} failed: {cause}' },
  ROSTER_ERR_BACKUP_UNVERIFIED: { status: 500, exit: EXIT.store, message: 'the backup copy of {source} failed its integrity check ({cause}); nothing was written to {target}' },
  ROSTER_ERR_BEFORE_RETENTION: { status: 410, exit: EXIT.notFound, message: '{at} is before the retention floor ({floor}): that history was compacted away' },
  ROSTER_ERR_REPLAY_MISMATCH: { status: 409, exit: EXIT.mismatch, message: 'decision {decisionId} does not replay: recorded {recorded}, re-evaluated {replayed}' },
  ROSTER_ERR_AUDIT_HEAD_MISMATCH: { status: 500, exit: EXIT.mismatch, message: 'the decision log does not contain the chain head recorded at {at} (record {seq}, hash {hash}): {problem}' },
  ROSTER_ERR_EXPORT_FAILED: { status: 500, exit: EXIT.failure, message: 'audit export to {file} failed: {cause}' },
  ROSTER_ERR_QUERY_INVALID: { status: 400, exit: EXIT.usage, message: 'invalid query: {details}' },
  ROSTER_ERR_INTERNAL: { status: 500, exit: EXIT.failure, message: 'internal error: {cause}' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERROR_CODES;
