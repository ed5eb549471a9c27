import { createHash } from 'node:crypto';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import type { DecisionScan } from '../store/decision-scan.js';
import { csvLine } from './csv-line.js';
import { PipelinedFileWriter } from './pipelined-file-writer.js';
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
// The CSV writer's buffer: lines are encoded into it and it is written out when full.
const FLUSH_AT = 1 << 20;

/**
 * Streams records in chain order to `file` (JSON lines embed each record's exact stored text, so
 * hash = sha256(prevHash + "\n" + record text) can be re-checked by anyone; CSV flattens the fields
 * reviewers filter on) and writes `file.manifest.json`: count, first and last hash, the file's
 * sha256. Written to temporary names and renamed, so a failed export leaves no partial file.
 * JSON lines come from SQLite ready-made, a chunk at a time (DecisionScan.jsonl()); chunks are
 * written while the next ones are read (PipelinedFileWriter).
 */
export async function exportDecisions(scan: DecisionScan, file: string, format: ExportFormat, window: { since?: number; until?: number }, now: number): Promise<ExportManifest> {
  const tmp = `${file}.partial`;
  const out = await PipelinedFileWriter.create(tmp, 0o640);
  const sha = createHash('sha256');
  let ends: Ends;
  try {
    const write = (chunk: Buffer, onWritten?: () => void): Promise<void> => {
      sha.update(chunk);
      return out.write(chunk, onWritten);
    };
    ends = format === 'jsonl' ? await writeJsonl(scan, write) : await writeCsv(scan, write);
    // A late write's failure (or the fsync's) surfaces here: also discards the file.
    await out.finish();
  } catch (err) {
    await out.abandon().catch(() => undefined);
    rmSync(tmp, { force: true });
    throw err;
  }
  renameSync(tmp, file);
  const manifest: ExportManifest = {
    file,
    format,
    records: ends.records,
    firstSeq: ends.first?.seq ?? null,
    lastSeq: ends.last?.seq ?? null,
    firstHash: ends.first?.hash ?? null,
    lastHash: ends.last?.hash ?? null,
    since: window.since === undefined ? null : new Date(window.since).toISOString(),
    until: window.until === undefined ? null : new Date(window.until).toISOString(),
    sha256: sha.digest('hex'),
    exportedAt: new Date(now).toISOString(),
  };
  writeFileSync(`${file}.manifest.json`, JSON.stringify(manifest, null, 2) + '\n', { mode: 0o640 });
  return manifest;
}

/** What the manifest names besides the file's hash. */
interface Ends {
  records: number;
  first: { seq: number; hash: string } | null;
  last: { seq: number; hash: string } | null;
}

type Write = (chunk: Buffer, onWritten?: () => void) => Promise<void>;

async function writeJsonl(scan: DecisionScan, write: Write): Promise<Ends> {
  const ends: Ends = { records: 0, first: null, last: null };
  for (const c of scan.jsonl()) {
    await write(c.bytes);
    ends.records += c.records;
    ends.first ??= { seq: c.firstSeq, hash: c.firstHash };
    ends.last = { seq: c.lastSeq, hash: c.lastHash };
  }
  return ends;
}

async function writeCsv(scan: DecisionScan, write: Write): Promise<Ends> {
  const ends: Ends = { records: 0, first: null, last: null };
  // Lines are encoded straight into a buffer (no joined strings, no buffer per line). Full
  // buffers go to the writer and come back for reuse once written (a fresh buffer for every
  // megabyte cost more in garbage collection than the overlap gained). A UTF-16 unit never takes
  // more than 3 bytes of UTF-8, so a line given that much room is never cut.
  const free: Buffer[] = [];
  let out: Buffer = Buffer.allocUnsafe(FLUSH_AT);
  let used = 0;
  const full: { chunk: Buffer; buffer: Buffer | null }[] = [];
  const put = (line: string): void => {
    if (used + line.length * 3 > out.length && used > 0) {
      full.push({ chunk: out.subarray(0, used), buffer: out });
      out = free.pop() ?? Buffer.allocUnsafe(FLUSH_AT);
      used = 0;
    }
    if (line.length * 3 > out.length) full.push({ chunk: Buffer.from(line, 'utf8'), buffer: null });
    else used += out.write(line, used, 'utf8');
  };
  const flush = async (): Promise<void> => {
    for (const { chunk, buffer } of full.splice(0)) await write(chunk, buffer ? () => free.push(buffer) : undefined);
  };
  put(csvLine(CSV_HEADER));
  for (const rows of scan.batches()) {
    for (const [seq, , record, prevHash, hash] of rows) {
      const d = parseStoredRecord(record);
      put(
        csvLine([
          String(seq), d.decisionId, new Date(d.at).toISOString(), d.subject.id, d.subject.issuer ?? '', d.principal ?? '', d.route, d.method ?? '', d.action ?? '',
          d.decision, d.reason, d.authorizedBy?.role ?? '', d.authorizedBy?.policy ?? '', d.authorizedBy?.rule ?? '', String(d.roleStateVersion), d.policyVersion, prevHash, hash,
        ]),
      );
    }
    const [firstSeq, , , , firstHash] = rows[0]!;
    const [lastSeq, , , , lastHash] = rows[rows.length - 1]!;
    ends.first ??= { seq: firstSeq, hash: firstHash };
    ends.last = { seq: lastSeq, hash: lastHash };
    ends.records += rows.length;
    await flush();
  }
  if (used > 0) full.push({ chunk: out.subarray(0, used), buffer: null });
  await flush();
  return ends;
}
