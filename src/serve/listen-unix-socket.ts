import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, readFileSync, unlinkSync } from 'node:fs';
import { connect, type Server } from 'node:net';
import { dirname } from 'node:path';
import { RosterError } from '../errors/roster-error.js';

/**
 * Listens on a Unix socket with the configured mode and group. A socket file left by a crashed
 * process is removed; one that still answers belongs to a running process and is not touched.
 * The socket is created with umask 0177 and only then opened up to `mode`, so it is never
 * briefly world-accessible.
 */
export async function listenUnixSocket(server: Server, path: string, mode: number, group?: string): Promise<void> {
  mkdirSync(dirname(path), { recursive: true });
  if (existsSync(path)) {
    if (!lstatSync(path).isSocket()) throw new RosterError('ROSTER_ERR_SOCKET_IN_USE', { path: `${path} (not a socket)` });
    if (await answers(path)) throw new RosterError('ROSTER_ERR_SOCKET_IN_USE', { path });
    unlinkSync(path);
  }
  const gid = group === undefined ? undefined : groupId(group);
  const old = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } finally {
    process.umask(old);
  }
  if (gid !== undefined) chownSync(path, -1, gid);
  chmodSync(path, mode);
}

function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** A group name (or numeric id) to its gid, from /etc/group. */
function groupId(group: string): number {
  if (/^\d+$/.test(group)) return Number(group);
  for (const line of readFileSync('/etc/group', 'utf8').split('\n')) {
    const [name, , gid] = line.split(':');
    if (name === group && gid !== undefined) return Number(gid);
  }
  throw new RosterError('ROSTER_ERR_SOCKET_GROUP_UNKNOWN', { group });
}
