import { chmodSync, chownSync, lstatSync, mkdirSync, readFileSync, rmSync, type Stats } from 'node:fs';
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
  const existing = lstatOrNull(path);
  if (existing) {
    if (!existing.isSocket()) throw new RosterError('ROSTER_ERR_SOCKET_IN_USE', { path: `${path} (not a socket)` });
    const probe = await probeSocket(path);
    if (probe === 'live') throw new RosterError('ROSTER_ERR_SOCKET_IN_USE', { path });
    // Only "connection refused" proves nobody listens. EACCES (a socket we may not open) or
    // EAGAIN (a full backlog) can be a running process, whose socket must not be taken over.
    if (probe !== 'ECONNREFUSED' && probe !== 'ENOENT') throw new RosterError('ROSTER_ERR_SOCKET_UNVERIFIABLE', { path, cause: probe });
    rmSync(path, { force: true });
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

function lstatOrNull(path: string): Stats | null {
  try {
    return lstatSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** 'live' when something accepts a connection, else the connect error's code. */
function probeSocket(path: string): Promise<'live' | string> {
  return new Promise((resolve) => {
    const s = connect(path);
    s.once('connect', () => {
      s.destroy();
      resolve('live');
    });
    s.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
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
