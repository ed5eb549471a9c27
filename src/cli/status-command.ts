import { Command, InvalidArgumentError } from 'commander';
import type { RosterConfig } from '../config/roster-config.js';
import { loadRosterConfig } from '../daemon.js';
import type { RoleStateVersion } from '../model/role-state-version.js';
import { SqliteRoleStore } from '../store/sqlite-role-store.js';
import { withConfigOption } from './config-option.js';
import { formatTable } from './format-table.js';
import { print, printJson } from './output.js';
import { redactSecrets } from './redact-secrets.js';
import { SourceControl } from '../store/source-control.js';

/** disabled; never synced; older than maxStaleness (its principals are denied); last attempt failed; fine. */
type Health = 'disabled' | 'never' | 'stale' | 'failing' | 'ok' | 'paused' | 'held';

interface Progress {
  readonly items: number;
  readonly waits?: number;
  readonly waitedMs?: number;
  readonly note?: string;
  /** When the runner last recorded it (ms). */
  readonly at?: number;
}

interface SourceHealth {
  readonly source: string;
  readonly type: string;
  readonly health: Health;
  readonly lastSuccessAt: number | null;
  readonly stalenessSeconds: number | null;
  readonly maxStalenessSeconds: number;
  readonly consecutiveFailures: number;
  readonly lastAttemptAt: number | null;
  readonly lastError: string | null;
  readonly lastErrorAt: number | null;
  readonly lastVersion: number | null;
  /** The run in flight, as the daemon's runner last recorded it (every 2 s), or null. */
  readonly running: Progress | null;
}

interface Status {
  readonly at: number;
  readonly roleStateVersion: RoleStateVersion | null;
  readonly sources: readonly SourceHealth[];
}

/** One read of the store (read-only; the daemon may be running and writing). */
function readStatus(config: RosterConfig, store: SqliteRoleStore, now: number): Status {
  const states = new Map(store.syncStates().map((s) => [s.source, s]));
  const controls = new Map(new SourceControl(store.db).states().map((c) => [c.source, c]));
  const sources = config.sources.map((s): SourceHealth => {
    const st = states.get(s.id);
    const lastSuccessAt = st?.lastSuccessAt ?? null;
    const failures = st?.consecutiveFailures ?? 0;
    const health: Health = !s.enabled
      ? 'disabled'
      : controls.get(s.id)?.pausedAt != null
        ? 'paused'
        : failures > 0 && /held, not applied/.test(st?.lastError ?? '')
          ? 'held'
          : lastSuccessAt === null
        ? 'never'
        : now - lastSuccessAt > s.maxStaleness
          ? 'stale'
          : failures > 0
            ? 'failing'
            : 'ok';
    return {
      source: s.id,
      type: s.type,
      health,
      lastSuccessAt,
      stalenessSeconds: lastSuccessAt === null ? null : Math.max(0, Math.round((now - lastSuccessAt) / 1000)),
      maxStalenessSeconds: Math.round(s.maxStaleness / 1000),
      consecutiveFailures: failures,
      lastAttemptAt: st?.lastAttemptAt ?? null,
      lastError: st?.lastError ? redactSecrets(st.lastError) : null,
      lastErrorAt: st?.lastErrorAt ?? null,
      lastVersion: st?.lastVersion ?? null,
      running: parseProgress(st?.progress ?? null),
    };
  });
  return { at: now, roleStateVersion: store.history.latestVersion(), sources };
}

function parseProgress(json: string | null): Progress | null {
  if (json === null) return null;
  try {
    const p = JSON.parse(json) as Progress;
    return typeof p.items === 'number' ? p : null;
  } catch {
    return null;
  }
}

/** 45s, 12m, 3h10m, 2d4h */
function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${s % 60 ? `${s % 60}s` : ''}`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60) ? `${Math.floor((s % 3600) / 60)}m` : ''}`;
  return `${Math.floor(s / 86_400)}d${Math.floor((s % 86_400) / 3600) ? `${Math.floor((s % 86_400) / 3600)}h` : ''}`;
}

/** "12000 items, 3 rate-limit waits (45s)" */
const progressText = (p: Progress): string => `${p.items} items${p.waits ? `, ${p.waits} rate-limit waits (${duration((p.waitedMs ?? 0) / 1000)})` : ''}`;

const oneLine = (text: string, max: number): string => {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
};

function render(status: Status): string {
  const { at: now, roleStateVersion: v } = status;
  const head = v ? `role-state version ${v.id} committed ${new Date(v.committedAt).toISOString()} (${v.source}, ${v.trigger})` : 'no role-state version yet';
  const table = formatTable(
    ['SOURCE', 'TYPE', 'STATE', 'LAST SUCCESS', 'STALENESS / MAX', 'FAILURES', 'VERSION', 'RUNNING', 'LAST ERROR'],
    status.sources.map((s) => [
      s.source,
      s.type,
      s.health,
      s.lastSuccessAt === null ? '-' : `${duration((now - s.lastSuccessAt) / 1000)} ago`,
      `${s.stalenessSeconds === null ? '-' : duration(s.stalenessSeconds)} / ${duration(s.maxStalenessSeconds)}`,
      String(s.consecutiveFailures),
      s.lastVersion === null ? '-' : `@${s.lastVersion}`,
      s.running ? progressText(s.running) : '-',
      s.lastError ? oneLine(s.lastError, 80) : '',
    ]),
  );
  // Runs in flight get a line of their own: the connector's note says what it is doing.
  const runs = status.sources
    .filter((s) => s.running)
    .map((s) => {
      const p = s.running!;
      const updated = p.at === undefined ? '' : `, updated ${duration((now - p.at) / 1000)} ago`;
      return `  ${s.source}: ${progressText(p)}${p.note ? ` — ${oneLine(p.note, 100)}` : ''}${updated}`;
    });
  return [head, table, ...(runs.length ? ['', 'running:', ...runs] : [])].join('\n');
}

/** Redraws until Ctrl-C: in place on a terminal, appended otherwise; --json prints one line per read. */
async function watch(config: RosterConfig, store: SqliteRoleStore, everyMs: number, json: boolean): Promise<void> {
  const tty = process.stdout.isTTY === true && !json;
  const draw = (): void => {
    const status = readStatus(config, store, Date.now());
    if (json) process.stdout.write(JSON.stringify(status) + '\n');
    else if (tty) {
      // Home, overwrite each line, clear what is left: no flicker from clearing the whole screen.
      const text = `${render(status)}\n\n${new Date(status.at).toISOString()}, every ${everyMs / 1000}s; Ctrl-C to stop`;
      process.stdout.write(`\x1b[H${text.split('\n').join('\x1b[K\n')}\x1b[K\n\x1b[J`);
    }
    else print(`${new Date(status.at).toISOString()}\n${render(status)}\n`);
  };
  draw();
  const timer = setInterval(draw, everyMs);
  await new Promise<void>((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve());
  });
  clearInterval(timer);
}

const seconds = (value: string): number => {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0.1) throw new InvalidArgumentError('expected a number of seconds >= 0.1');
  return n;
};

export const statusCommand = (): Command =>
  withConfigOption(new Command('status'))
    .description('per-source health (state, last success, staleness, failures, last error, run in progress) and the current role-state version')
    .option('--json', 'machine-readable output (with --watch: one JSON document per line)')
    .option('-w, --watch', 'redraw until Ctrl-C, with the progress of runs in flight')
    .option('--interval <seconds>', 'how often --watch reads the store', seconds, 1)
    .action(async (opts: { config: string; json?: boolean; watch?: boolean; interval: number }) => {
      const config = loadRosterConfig(opts.config);
      const store = SqliteRoleStore.openReadonly(config.store.path);
      try {
        if (opts.watch) return await watch(config, store, opts.interval * 1000, opts.json === true);
        const status = readStatus(config, store, Date.now());
        if (opts.json) printJson(status);
        else print(render(status));
      } finally {
        store.close();
      }
    });
