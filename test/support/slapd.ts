import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'ldapts';
import { freePort, within } from './nginx.js';

/** Where the Debian packages install OpenLDAP (slapd) and its modules. */
export const SLAPD_BIN = '/usr/sbin/slapd';
export const SLAPADD_BIN = '/usr/sbin/slapadd';
export const SLAPD_MODULES = '/usr/lib/ldap';
const SCHEMAS = ['core', 'cosine', 'nis', 'inetorgperson'].map((s) => `/etc/ldap/schema/${s}.ldif`);

const MISSING = `OpenLDAP is not installed (${SLAPD_BIN} is missing); install the Debian packages: apt-get install -y slapd ldap-utils (test/ensure-system-packages.sh does this as root)`;

const installed = (): boolean => {
  try {
    accessSync(SLAPD_BIN, constants.X_OK);
    accessSync(SLAPADD_BIN, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/**
 * Why the OpenLDAP tests cannot run here, or false when they can. Outside CI a missing slapd
 * skips them with this message; in CI (CI=true) they are never skipped: starting slapd throws.
 */
export function slapdSkipReason(): string | false {
  if (installed()) return false;
  return process.env.CI === 'true' ? false : MISSING;
}

export interface SlapdOptions {
  /** A private directory: cn=config, the database, the pid file and logs go here. */
  readonly dir: string;
  readonly suffix: string;
  /** The rootDN's password (the rootDN is cn=admin,<suffix>). */
  readonly rootPassword: string;
  /** LDIF of the database (the suffix entry first), loaded offline with slapadd... */
  readonly data?: string;
  /** ...or the path of such a file (big directories). */
  readonly dataFile?: string;
  /** Serve ldaps:// too, and allow StartTLS, with these PEM files. */
  readonly tls?: { readonly ca: string; readonly cert: string; readonly key: string };
  /** Extra attribute lines for the mdb database entry of cn=config (e.g. olcLimits). */
  readonly databaseConfig?: readonly string[];
  /** LMDB map size (default 1 GiB). */
  readonly maxSizeBytes?: number;
  readonly startTimeoutMs?: number;
}

export interface RunningSlapd {
  readonly port: number;
  readonly url: string;
  readonly ldapsUrl: string | null;
  readonly suffix: string;
  readonly rootDN: string;
  readonly rootPassword: string;
  readonly pid: number;
  /** slapd's output so far (for failure messages). */
  diagnostics(): string;
  /** A client bound as the rootDN (the caller unbinds). */
  admin(): Promise<Client>;
  /** Sends a signal to slapd (SIGKILL to simulate a crash) and waits for it to exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts slapd again on the same ports and database (after `kill`). */
  restart(): Promise<void>;
  /** Stops slapd (SIGTERM, then SIGKILL) and waits for it to exit. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts a private OpenLDAP server: a cn=config directory generated for this run (modules
 * back_mdb, memberof, refint, syncprov), data loaded offline with slapadd (-w: with
 * contextCSN), then `slapd -d 0` in the foreground on 127.0.0.1 and free ports, as the test's
 * user. Resolves once it accepts connections; if a port was taken meanwhile it tries others.
 */
export async function startSlapd(opts: SlapdOptions): Promise<RunningSlapd> {
  if (!installed()) throw new Error(MISSING);
  const cfg = join(opts.dir, 'slapd.d');
  const db = join(opts.dir, 'db');
  mkdirSync(cfg, { recursive: true });
  mkdirSync(db, { recursive: true });
  const configLdif = join(opts.dir, 'config.ldif');
  writeFileSync(configLdif, configLdifFor(opts, db));
  run(SLAPADD_BIN, ['-n0', '-F', cfg, '-l', configLdif], 'slapadd -n0 (cn=config)');
  const dataLdif = opts.dataFile ?? join(opts.dir, 'data.ldif');
  if (!opts.dataFile) writeFileSync(dataLdif, opts.data ?? '');
  run(SLAPADD_BIN, ['-n1', '-F', cfg, '-q', '-w', '-l', dataLdif], 'slapadd -n1 (data)');

  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const ports = { ldap: await freePort(), ldaps: opts.tls ? await freePort() : null };
    try {
      return await launch(opts, cfg, ports);
    } catch (err) {
      lastError = err;
      if (!(err instanceof PortTakenError)) throw err;
    }
  }
  throw lastError;
}

class PortTakenError extends Error {}

function run(bin: string, args: string[], what: string): void {
  const r = spawnSync(bin, args, { encoding: 'utf8', timeout: 600_000, maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${what} failed (exit ${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
}

function configLdifFor(opts: SlapdOptions, db: string): string {
  const tls = opts.tls ? `olcTLSCACertificateFile: ${opts.tls.ca}\nolcTLSCertificateFile: ${opts.tls.cert}\nolcTLSCertificateKeyFile: ${opts.tls.key}\n` : '';
  const limit = 'olcSizeLimit: size.soft=500 size.hard=unlimited size.prtotal=unlimited';
  return `dn: cn=config
objectClass: olcGlobal
cn: config
olcPidFile: ${join(opts.dir, 'slapd.pid')}
${tls}
dn: cn=module{0},cn=config
objectClass: olcModuleList
cn: module{0}
olcModulePath: ${SLAPD_MODULES}
olcModuleLoad: back_mdb
olcModuleLoad: memberof
olcModuleLoad: refint
olcModuleLoad: syncprov

dn: cn=schema,cn=config
objectClass: olcSchemaConfig
cn: schema

${SCHEMAS.map((s) => `include: file://${s}`).join('\n')}

dn: olcDatabase={-1}frontend,cn=config
objectClass: olcDatabaseConfig
objectClass: olcFrontendConfig
olcDatabase: {-1}frontend
${limit}

dn: olcDatabase={0}config,cn=config
objectClass: olcDatabaseConfig
olcDatabase: {0}config
olcAccess: {0}to * by * none

dn: olcDatabase={1}mdb,cn=config
objectClass: olcDatabaseConfig
objectClass: olcMdbConfig
olcDatabase: {1}mdb
olcDbDirectory: ${db}
olcSuffix: ${opts.suffix}
olcRootDN: cn=admin,${opts.suffix}
olcRootPW: ${opts.rootPassword}
olcDbMaxSize: ${opts.maxSizeBytes ?? 1024 ** 3}
olcDbIndex: objectClass eq
olcDbIndex: entryCSN,entryUUID eq
olcDbIndex: uid,member,uniqueMember,memberUid eq
${limit}
${(opts.databaseConfig ?? []).map((l) => l + '\n').join('')}olcAccess: {0}to attrs=userPassword by self write by anonymous auth by * none
olcAccess: {1}to * by users read by * none

dn: olcOverlay={0}memberof,olcDatabase={1}mdb,cn=config
objectClass: olcOverlayConfig
objectClass: olcMemberOf
olcOverlay: {0}memberof
olcMemberOfRefint: TRUE

dn: olcOverlay={1}refint,olcDatabase={1}mdb,cn=config
objectClass: olcOverlayConfig
objectClass: olcRefintConfig
olcOverlay: {1}refint
olcRefintAttribute: member
olcRefintAttribute: uniqueMember

dn: olcOverlay={2}syncprov,olcDatabase={1}mdb,cn=config
objectClass: olcOverlayConfig
objectClass: olcSyncProvConfig
olcOverlay: {2}syncprov
olcSpCheckpoint: 100 10
`.replace(/\n{3,}/g, '\n\n');
}

async function launch(opts: SlapdOptions, cfg: string, ports: { ldap: number; ldaps: number | null }): Promise<RunningSlapd> {
  const urls = [`ldap://127.0.0.1:${ports.ldap}/`, ...(ports.ldaps ? [`ldaps://127.0.0.1:${ports.ldaps}/`] : [])];
  let output = '';
  let child!: ChildProcess;
  const state: { exited: { code: number | null; signal: NodeJS.Signals | null } | null; exit: Promise<void> } = { exited: null, exit: Promise.resolve() };

  const spawnOnce = async (): Promise<void> => {
    // -d 0: stay in the foreground (no detach) and log to stderr; the process dies with the test.
    child = spawn(SLAPD_BIN, ['-F', cfg, '-h', urls.join(' '), '-d', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    state.exited = null;
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    state.exit = new Promise<void>((resolve) => {
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
    void state.exit.then(() => process.off('exit', killOnExit));
    const deadline = Date.now() + (opts.startTimeoutMs ?? 15_000);
    for (;;) {
      if (state.exited) {
        if (/Address already in use|errno=98/.test(output)) throw new PortTakenError(`port ${ports.ldap} was taken`);
        throw new Error(`slapd exited during start (${JSON.stringify(state.exited)})\n${output}`);
      }
      if ((await accepts(ports.ldap)) && (ports.ldaps === null || (await accepts(ports.ldaps)))) return;
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`slapd did not accept connections on ${urls.join(' ')} within ${opts.startTimeoutMs ?? 15_000} ms\n${output}`);
      }
      await sleep(50);
    }
  };

  const kill = async (signal: NodeJS.Signals = 'SIGKILL'): Promise<void> => {
    if (state.exited) return;
    child.kill(signal);
    await within(state.exit, 5_000);
  };
  let stopping: Promise<void> | null = null;
  await spawnOnce();
  const rootDN = `cn=admin,${opts.suffix}`;
  return {
    port: ports.ldap,
    url: `ldap://127.0.0.1:${ports.ldap}`,
    ldapsUrl: ports.ldaps ? `ldaps://127.0.0.1:${ports.ldaps}` : null,
    suffix: opts.suffix,
    rootDN,
    rootPassword: opts.rootPassword,
    get pid() {
      return child.pid ?? -1;
    },
    diagnostics: () => output + (existsSync(join(opts.dir, 'slapd.pid')) ? `\n(pid file ${readFileSync(join(opts.dir, 'slapd.pid'), 'utf8').trim()})` : ''),
    async admin() {
      const c = new Client({ url: `ldap://127.0.0.1:${ports.ldap}`, timeout: 30_000, connectTimeout: 5_000 });
      await c.bind(rootDN, opts.rootPassword);
      return c;
    },
    kill,
    restart: spawnOnce,
    stop: () =>
      (stopping ??= (async () => {
        await kill('SIGTERM');
        await kill('SIGKILL');
      })()),
  };
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
