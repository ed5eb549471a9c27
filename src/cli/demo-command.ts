import { Command } from 'commander';
import { existsSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Decision, DecisionRequest } from '../model/decision.js';
import { runDaemon } from './daemon-command.js';
import { print } from './output.js';
import { socketRequest } from './socket-request.js';

/** The bundled demo config, found relative to this file so it works from any working directory. */
export function demoConfigPath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(resolve(dir, 'config/demo/roster.yaml'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find config/demo/roster.yaml');
    dir = up;
  }
  return resolve(dir, 'config/demo/roster.yaml');
}

const SAMPLES: readonly DecisionRequest[] = [
  { subject: { id: 'alice@example.com' }, route: '/v1/chat/completions', method: 'POST', action: 'invoke', resource: { model: 'gpt-4o', endpoint: 'azure-openai-hipaa' }, context: { dataClasses: ['PHI'] } },
  { subject: { id: 'bob@example.com' }, route: '/v1/chat/completions', method: 'POST', action: 'invoke', resource: { model: 'gpt-4o', endpoint: 'azure-openai-hipaa' }, context: { dataClasses: ['PHI'] } },
  { subject: { id: 'svc-support-agent' }, route: '/tickets/123', method: 'POST', action: 'write' },
  { subject: { id: 'agent-research' }, route: '/tickets/123', method: 'POST', action: 'write' },
];

export const demoCommand = (): Command =>
  new Command('demo')
    .description('run the daemon on the bundled demo configuration (store and sockets under ./var) and show decisions')
    .option('--log-level <level>', 'daemon log level while the demo runs', 'warn')
    .action(async (opts: { logLevel: string }) => {
      const daemon = await runDaemon(demoConfigPath(), opts.logLevel);
      const runner = daemon.runtime.runners.get('demo');
      await runner?.run().catch(() => undefined);
      const socket = daemon.runtime.config.listen.decision.path;
      // The responder follows the store; wait until it serves what was just committed.
      const latest = daemon.runtime.store.history.latestVersion()?.id ?? 0;
      for (let i = 0; i < 100; i++) {
        const r = JSON.parse((await socketRequest(socket, 'GET', '/readyz')).body) as { roleStateVersion?: number };
        if ((r.roleStateVersion ?? 0) >= latest) break;
        await new Promise((res) => setTimeout(res, 100));
      }
      print(`Roster demo is running. Decision socket: ${relative(process.cwd(), socket) || socket}\n`);
      for (const sample of SAMPLES) {
        const r = await socketRequest(socket, 'POST', '/v1/decision', sample);
        const d = JSON.parse(r.body) as Decision;
        const by = d.authorizedBy ? ` by ${d.authorizedBy.role} / ${d.authorizedBy.policy} / ${d.authorizedBy.rule}` : '';
        print(`${d.decision.toUpperCase().padEnd(5)} ${sample.subject.id} ${sample.method} ${sample.route} ${sample.action ?? ''} -> ${d.reason}${by} (roles: ${d.roles.join(', ') || 'none'}; version ${d.roleStateVersion})`);
      }
      print(`\nAsk it yourself:\n  curl -s --unix-socket ${relative(process.cwd(), socket) || socket} -H 'content-type: application/json' \\\n    -d '${JSON.stringify(SAMPLES[0])}' http://roster/v1/decision\n\nCtrl-C stops the daemon.`);
    });
