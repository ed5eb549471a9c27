import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { accessSync, constants, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'ldapts';
import { within } from './nginx.js';

/** Where the Debian packages (samba, samba-ad-dc, samba-ad-provision, ldb-tools) install things. */
export const SAMBA_BIN = '/usr/sbin/samba';
export const SAMBA_TOOL = '/usr/bin/samba-tool';
export const LDBMODIFY = '/usr/bin/ldbmodify';
const REQUIRED = [SAMBA_BIN, SAMBA_TOOL, LDBMODIFY, '/usr/sbin/winbindd'];

const MISSING = `Samba AD DC is not installed (one of ${REQUIRED.join(', ')} is missing); install the Debian packages: apt-get install -y --no-install-recommends samba samba-ad-dc samba-ad-provision samba-common-bin winbind ldb-tools (test/ensure-system-packages.sh does this as root)`;

export const REALM = 'ROSTER.TEST';
export const DOMAIN_DN = 'DC=roster,DC=test';
/** Samba's LDAP ports are fixed: 389 and 636 on 127.0.0.1. */
export const SAMBA_URL = 'ldap://127.0.0.1:389';
export const SAMBA_LDAPS_URL = 'ldaps://127.0.0.1:636';

const installed = (): boolean => {
  try {
    for (const f of REQUIRED) accessSync(f, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/**
 * Why the Samba AD tests cannot run here, or false when they can. Outside CI a missing Samba
 * skips them with this message; in CI (CI=true) they are never skipped: starting Samba throws.
 */
export function sambaSkipReason(): string | false {
  if (installed()) return false;
  return process.env.CI === 'true' ? false : MISSING;
}

export interface SambaOptions {
  /** A private directory: the provisioned domain, smb.conf, logs, sockets and pid files. */
  readonly dir: string;
  readonly adminPassword: string;
  /** LDIF change records (changetype: add / modify) applied offline with ldbmodify before start. */
  readonly data?: string;
  readonly startTimeoutMs?: number;
}

export interface RunningSamba {
  readonly url: string;
  readonly baseDN: string;
  /** The Administrator's bind name (UPN form) and password. */
  readonly adminBind: string;
  readonly adminPassword: string;
  diagnostics(): string;
  /** A client bound as Administrator (the caller unbinds). */
  admin(): Promise<Client>;
  /** Stops Samba (SIGTERM, then SIGKILL) and waits for it to exit. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Provisions a Samba AD domain controller (realm ROSTER.TEST, no DNS) into `dir`, loads test data
 * offline with ldbmodify, and runs `samba -i -M single` in the foreground, LDAP only, on
 * 127.0.0.1:389/636. Those ports are fixed, so this checks they are free first and the tests
 * using it run serially. Simple binds over plain LDAP are allowed (`ldap server require strong
 * auth = no`) so the connector can be tested with a password bind on ldap://.
 */
export async function startSamba(opts: SambaOptions): Promise<RunningSamba> {
  if (!installed()) throw new Error(MISSING);
  for (const port of [389, 636]) await assertPortFree(port);
  const target = join(opts.dir, 'samba');
  const run = join(target, 'run');
  const smbConf = join(target, 'etc', 'smb.conf');
  const options = [
    'interfaces = 127.0.0.1',
    'bind interfaces only = yes',
    'server services = ldap',
    'ldap server require strong auth = no',
    `pid directory = ${run}`,
    `winbindd socket directory = ${run}/winbindd`,
    `ntp signd socket directory = ${run}/ntp_signd`,
    `log file = ${target}/log.%m`,
  ];
  const provision = spawnSync(
    SAMBA_TOOL,
    ['domain', 'provision', `--targetdir=${target}`, `--realm=${REALM}`, '--domain=ROSTER', '--server-role=dc', '--dns-backend=NONE', `--adminpass=${opts.adminPassword}`, '--use-rfc2307', ...options.map((o) => `--option=${o}`)],
    { encoding: 'utf8', timeout: 120_000 },
  );
  if (provision.status !== 0) throw new Error(`samba-tool domain provision failed (exit ${provision.status ?? provision.signal}):\n${provision.stdout}\n${provision.stderr}`);
  mkdirSync(run, { recursive: true });
  // Provision writes only some --option values into smb.conf; put every one of ours in [global].
  const conf = readFileSync(smbConf, 'utf8');
  const missing = options.filter((o) => !new RegExp(`^\\s*${o.split('=')[0]!.trim().replace(/ /g, '\\s+')}\\s*=`, 'mi').test(conf));
  writeFileSync(smbConf, conf.replace(/^\[global\]$/m, `[global]\n${missing.map((o) => `\t${o}`).join('\n')}`));
  if (opts.data) {
    const file = join(opts.dir, 'data.ldif');
    writeFileSync(file, opts.data);
    const load = spawnSync(LDBMODIFY, ['--nosync', '-H', join(target, 'private', 'sam.ldb'), file], { encoding: 'utf8', timeout: 300_000 });
    if (load.status !== 0) throw new Error(`ldbmodify of the test data failed (exit ${load.status ?? load.signal}):\n${load.stdout}\n${load.stderr}`);
  }

  let output = '';
  const child: ChildProcess = spawn(SAMBA_BIN, ['-i', '-M', 'single', '-s', smbConf, '--debug-stdout', '-d', '1'], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const state: { exited: { code: number | null; signal: NodeJS.Signals | null } | null } = { exited: null };
  const exit = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      state.exited = { code, signal };
      resolve();
    });
    child.once('error', (err) => {
      output += `spawn error: ${err.message}\n`;
      state.exited ??= { code: null, signal: null };
      resolve();
    });
  });
  const killOnExit = (): void => void child.kill('SIGKILL');
  process.once('exit', killOnExit);
  void exit.then(() => process.off('exit', killOnExit));
  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      for (const [signal, waitMs] of [['SIGTERM', 5_000], ['SIGKILL', 3_000]] as const) {
        if (state.exited) return;
        child.kill(signal);
        await within(exit, waitMs);
      }
    })());
  const adminBind = `Administrator@${REALM.toLowerCase()}`;
  const admin = async (): Promise<Client> => {
    const c = new Client({ url: SAMBA_URL, timeout: 30_000, connectTimeout: 3_000 });
    await c.bind(adminBind, opts.adminPassword);
    return c;
  };

  let lastBindError = 'none';
  try {
    const timeout = opts.startTimeoutMs ?? 30_000;
    const deadline = Date.now() + timeout;
    for (;;) {
      if (state.exited) throw new Error(`samba exited during start (${JSON.stringify(state.exited)})\n${output}`);
      if (await accepts(389)) {
        const c = await admin().catch((err: unknown) => {
          lastBindError = err instanceof Error ? err.message : String(err);
          return null;
        });
        if (c) {
          await c.unbind();
          break;
        }
      }
      if (Date.now() > deadline) throw new Error(`samba did not serve LDAP on 127.0.0.1:389 within ${timeout} ms (last bind error: ${lastBindError})\n${output}`);
      await sleep(100);
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { url: SAMBA_URL, baseDN: DOMAIN_DN, adminBind, adminPassword: opts.adminPassword, diagnostics: () => output, admin, stop };
}

async function assertPortFree(port: number): Promise<void> {
  const srv = createServer();
  try {
    srv.listen(port, '127.0.0.1');
    await once(srv, 'listening');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(
      code === 'EADDRINUSE'
        ? `127.0.0.1:${port} is in use; Samba's LDAP ports are fixed, so the Samba AD tests need it free (another Samba or slapd running?)`
        : `cannot listen on 127.0.0.1:${port} (${code}); Samba needs it (privileged ports need root or CAP_NET_BIND_SERVICE)`,
    );
  } finally {
    await new Promise<void>((resolve) => srv.close(() => resolve()));
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.setTimeout(1_000, () => {
      s.destroy();
      resolve(false);
    });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}
