import { Command } from 'commander';
import { loadRosterConfig } from '../daemon.js';
import { SqliteRoleStore } from '../store/sqlite-role-store.js';
import { withConfigOption } from './config-option.js';
import { formatTable } from './format-table.js';
import { print, printJson } from './output.js';

const ago = (t: number | null, now: number): string => (t === null ? '-' : `${Math.round((now - t) / 1000)}s ago`);

/** "12000 items, 3 rate-limit waits (45s), note" for a run in flight. */
const running = (p: { items: number; waits?: number; waitedMs?: number; note?: string } | null): string =>
  p === null ? '-' : `${p.items} items${p.waits ? `, ${p.waits} waits (${Math.round((p.waitedMs ?? 0) / 1000)}s)` : ''}${p.note ? `, ${p.note}` : ''}`;

export const statusCommand = (): Command =>
  withConfigOption(new Command('status'))
    .description('per-source health: last success, last error, staleness; the current role-state version')
    .option('--json', 'machine-readable output')
    .action((opts: { config: string; json?: boolean }) => {
      const config = loadRosterConfig(opts.config);
      const store = SqliteRoleStore.openReadonly(config.store.path);
      try {
        const now = Date.now();
        const states = new Map(store.syncStates().map((s) => [s.source, s]));
        const latest = store.history.latestVersion();
        const sources = config.sources.map((s) => {
          const st = states.get(s.id);
          const stale = st?.lastSuccessAt == null || now - st.lastSuccessAt > s.maxStaleness;
          const health = !s.enabled ? 'disabled' : st?.lastSuccessAt == null ? 'never-synced' : st.consecutiveFailures > 0 ? 'failing' : stale ? 'stale' : 'ok';
          return {
            source: s.id,
            type: s.type,
            health,
            lastSuccessAt: st?.lastSuccessAt ?? null,
            lastError: st?.lastError ?? null,
            lastErrorAt: st?.lastErrorAt ?? null,
            consecutiveFailures: st?.consecutiveFailures ?? 0,
            lastVersion: st?.lastVersion ?? null,
            stalenessSeconds: st?.lastSuccessAt == null ? null : Math.round((now - st.lastSuccessAt) / 1000),
            running: st?.progress ? (JSON.parse(st.progress) as { items: number; waits?: number; waitedMs?: number; note?: string; at: number }) : null,
          };
        });
        if (opts.json) return printJson({ roleStateVersion: latest, sources });
        print(latest ? `role-state version ${latest.id} committed ${new Date(latest.committedAt).toISOString()} (${latest.source}, ${latest.trigger})` : 'no role-state version yet');
        print(
          formatTable(
            ['SOURCE', 'TYPE', 'HEALTH', 'LAST SUCCESS', 'FAILURES', 'RUNNING', 'LAST ERROR'],
            sources.map((s) => [s.source, s.type, s.health, ago(s.lastSuccessAt, now), String(s.consecutiveFailures), running(s.running), s.lastError ?? '']),
          ),
        );
      } finally {
        store.close();
      }
    });
