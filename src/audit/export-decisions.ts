import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import type { ChainRecord } from '../store/chain-record.js';
import { csvLine } from './csv-line.js';
import { parseStoredRecord } from './stored-record.js';

export type ExportFormat = 'jsonl' | 'csv';

export interface ExportManifest {
  readonly file: string;
  readonly format: ExportFormat;
  readonly records: number;
  readonly firstSeq: number | null;
  readonly lastSeq: number | null;
  readonly firstHash: string | null;
  readonly lastHash: string | null;
  readonly since: string | null;
  readonly until: string | null;
  readonly sha256: string;
  readonly exportedAt: string;
}

const CSV_HEADER = ['seq', 'decision_id', 'at', 'subject', 'issuer', 'principal', 'route', 'method', 'action', 'decision', 'reason', 'role', 'policy', 'rule', 'role_state_version', 'policy_version', 'prev_hash', 'hash'];
const FLUSH_AT = 1 << 20;

/**
 * Streams records in chain order to `file` (JSON lines embed each record's exact stored text, so
 * hash = sha256(prevHash + "\n" + record text) can be re-checked by anyone; CSV flattens the fields
 * reviewers filter on) and writes `file.manifest.json`: count, first and last hash, the file's
 * sha256. Written to temporary names and renamed, so a failed export leaves no partial file.
 */
export function exportDecisions(rows: Iterable<ChainRecord>, file: string, format: ExportFormat, window: { since?: number; until?: number }, now: number): ExportManifest {
  const tmp = `${file}.partial`;
  const fd = openSync(tmp, 'w', 0o640);
  const sha = createHash('sha256');
  let buf: string[] = [];
  let size = 0;
  const flush = (): void => {
    const chunk = Buffer.from(buf.join(''), 'utf8');
    sha.update(chunk);
    writeSync(fd, chunk);
    buf = [];
    size = 0;
  };
  const push = (line: string): void => {
    buf.push(line);
    size += line.length;
    if (size >= FLUSH_AT) flush();
  };
  let records = 0;
  let first: ChainRecord | null = null;
  let last: ChainRecord | null = null;
  try {
    if (format === 'csv') push(csvLine(CSV_HEADER));
    for (const r of rows) {
      first ??= r;
      last = r;
      records++;
      // The stored record text is itself JSON: embedded verbatim (no re-escaping), it is the exact
      // hashed text — the bytes between `"record":` and the line's closing brace.
      if (format === 'jsonl') push(`{"seq":${r.seq},"prevHash":"${r.prevHash}","hash":"${r.hash}","record":${r.record}}\n`);
      else {
        const d = parseStoredRecord(r.record);
        push(
          csvLine([
            String(r.seq), d.decisionId, new Date(d.at).toISOString(), d.subject.id, d.subject.issuer ?? '', d.principal ?? '', d.route, d.method ?? '', d.action ?? '',
            d.decision, d.reason, d.authorizedBy?.role ?? '', d.authorizedBy?.policy ?? '', d.authorizedBy?.rule ?? '', String(d.roleStateVersion), d.policyVersion, r.prevHash, r.hash,
          ]),
        );
      }
    }
    flush();
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
  const manifest: ExportManifest = {
    file,
    format,
    records,
    firstSeq: first?.seq ?? null,
    lastSeq: last?.seq ?? null,
    firstHash: first?.hash ?? null,
    lastHash: last?.hash ?? null,
    since: window.since === undefined ? null : new Date(window.since).toISOString(),
    until: window.until === undefined ? null : new Date(window.until).toISOString(),
    sha256: sha.digest('hex'),
    exportedAt: new Date(now).toISOString(),
  };
  writeFileSync(`${file}.manifest.json`, JSON.stringify(manifest, null, 2) + '\n', { mode: 0o640 });
  return manifest;
}
