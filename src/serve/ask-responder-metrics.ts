import type { ChildProcess } from 'node:child_process';
import type { MetricFamilyJson } from './metric-family-json.js';

let lastId = 0;

/**
 * Asks the responder child for its metric families over IPC: `{ type: 'metrics', id }`, answered
 * by `{ type: 'metrics', id, metrics }` (src/cli/responder-command.ts). Resolves null when there is
 * no responder, it exits, or it does not answer within `timeoutMs`: a scrape never hangs on it.
 */
export function askResponderMetrics(child: ChildProcess | null, timeoutMs: number): Promise<MetricFamilyJson[] | null> {
  if (!child?.connected) return Promise.resolve(null);
  const id = ++lastId;
  return new Promise((resolve) => {
    const done = (metrics: MetricFamilyJson[] | null): void => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(metrics);
    };
    const onMessage = (m: unknown): void => {
      const reply = m as { type?: unknown; id?: unknown; metrics?: MetricFamilyJson[] } | null;
      if (reply?.type === 'metrics' && reply.id === id && Array.isArray(reply.metrics)) done(reply.metrics);
    };
    const onExit = (): void => done(null);
    const timer = setTimeout(() => done(null), timeoutMs);
    child.on('message', onMessage);
    child.once('exit', onExit);
    child.send({ type: 'metrics', id }, (err) => {
      if (err) done(null);
    });
  });
}
