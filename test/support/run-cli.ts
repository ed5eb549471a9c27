import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from './temp-dir.js';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const CLI = join(REPO, 'dist/src/cli/main.js');

export function runCli(args: readonly string[], env: NodeJS.ProcessEnv = {}): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 180_000 });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export function startCli(args: readonly string[]): ChildProcess {
  return spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * The bundled demo (config, directory, policy) copied to a fresh temp dir with its own ./var and
 * warn-level logs; `extra` YAML is appended (later keys win).
 */
export function demoCopy(extra = ''): { dir: string; config: string; socket: string } {
  const dir = tempDir();
  for (const f of ['roster.yaml', 'directory.yaml', 'policy.yaml']) copyFileSync(join(REPO, 'config/demo', f), join(dir, f));
  const config = join(dir, 'roster.yaml');
  writeFileSync(config, readFileSync(config, 'utf8').replace(/\.\.\/\.\.\/var\//g, './var/').replace('level: info', 'level: warn') + (extra ? `\n${extra}\n` : ''));
  return { dir, config, socket: join(dir, 'var/decision.sock') };
}

/** A config like the demo's, with the store and sockets in a fresh temp dir. */
export function demoLikeConfig(extra = ''): { dir: string; config: string } {
  const dir = tempDir();
  copyFileSync(join(REPO, 'config/demo/directory.yaml'), join(dir, 'directory.yaml'));
  const config = join(dir, 'roster.yaml');
  writeFileSync(
    config,
    `store: { path: ./roster.db }
listen:
  decision: { path: ./decision.sock }
  admin: { path: ./admin.sock }
identity: { link: [{ by: email }] }
roles:
  - name: clinician
    rank: 50
    grantedBy: [{ group: { source: demo, name: clinical } }]
  - name: staff
    rank: 10
    grantedBy: [{ group: { source: demo, name: all-staff } }]
  - { name: support-agent, rank: 30 }
sources:
  - id: demo
    type: static
    schedule: "0 0 1 1 *"
    options: { file: ./directory.yaml }
${extra}`,
  );
  return { dir, config };
}
