import { Command } from 'commander';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runDaemon } from './daemon-command.js';

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

export const demoCommand = (): Command =>
  new Command('demo').description('run the daemon on the bundled demo configuration (store and sockets under ./var)').action(async () => {
    await runDaemon(demoConfigPath());
  });
