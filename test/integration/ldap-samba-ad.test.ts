/**
 * The `ldap` connector's Active Directory preset against a real Samba AD DC (Debian packages;
 * provisioned into a private directory and run in the foreground by test/support/samba.ts on
 * 127.0.0.1:389, which is fixed, so everything here runs serially): objectGUID ids, ranged
 * retrieval of a 1,500+ member group, nested groups (checked against the server's in-chain
 * matching rule), userAccountControl, uSNChanged deltas, tombstones via Show Deleted, and a
 * changed domain controller forcing a full run.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Attribute, Change } from 'ldapts';
import type { PollConnector } from '../../connectors/connector.js';
import { decodeCursor } from '../../connectors/ldap/index.js';
import type { ResolveRules } from '../../src/resolve/resolve-rules.js';
import { sambaSkipReason, startSamba, type RunningSamba } from '../support/samba.js';
import { AD_GROUPS, AD_OU, AD_PEOPLE, AD_PEOPLE_LIST, AD_ROLES, HANK_DN, adBulkName, adDirectoryLdif, adGroupDn, adUserDn } from '../support/samba-data.js';
import { flatten, ldapConnector, syncAndApply } from '../support/slapd-sync.js';
import { testApplier } from '../support/test-applier.js';

const rules: ResolveRules = { linking: [], roles: AD_ROLES };
const BULK = 1520;
const ADMIN_PW = 'Roster-Adm1n-Pw!';
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('ldap connector (active-directory preset) against a Samba AD DC', { skip: sambaSkipReason(), timeout: 300_000, concurrency: 1 }, () => {
  let dir: string;
  let samba: RunningSamba;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'roster-samba-'));
    writeFileSync(join(dir, 'bind.pw'), ADMIN_PW, { mode: 0o600 });
    samba = await startSamba({ dir, adminPassword: ADMIN_PW, data: adDirectoryLdif(BULK) });
  });
  after(async () => {
    await samba?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const options = (extra: Record<string, unknown> = {}) => ({
    preset: 'active-directory',
    url: samba.url,
    bindDN: samba.adminBind,
    bindPassword: { file: 'bind.pw' },
    baseDN: AD_OU,
    pageSize: 200,
    attributes: { extra: ['department'] },
    ...extra,
  });

  const roles = (t: ReturnType<typeof testApplier>, subject: string, v: number): string[] => {
    const pids = t.store.history.principalsForSubject(subject, v);
    assert.equal(pids.length, 1, `exactly one principal for ${subject} at v${v} (got ${pids.length})`);
    return t.store.history.rolesAt(pids[0]!, v).map((r) => r.role).sort();
  };

  /** Samba's own view of nesting: users in a group's chain (LDAP_MATCHING_RULE_IN_CHAIN). */
  const inChain = async (groupCn: string): Promise<string[]> => {
    const c = await samba.admin();
    try {
      const r = await c.search(AD_PEOPLE, { scope: 'sub', filter: `(memberOf:1.2.840.113556.1.4.1941:=${adGroupDn(groupCn)})`, attributes: ['sAMAccountName'] });
      return r.searchEntries.map((e) => String(e.sAMAccountName)).sort();
    } finally {
      await c.unbind();
    }
  };

  it('full sync: objectGUID ids, AD identifiers, disabled users, ranged member lists, nested roles', async () => {
    const t = testApplier(rules);
    const { connector, log } = ldapConnector('ad', options(), dir);
    const { run, result, batches } = await syncAndApply(connector, t.applier, t.store, { mode: 'full', collect: true });
    assert.equal(run.kind, 'full');
    const all = flatten(batches);
    assert.equal(all.accounts.length, AD_PEOPLE_LIST.length + BULK + 1, 'People and Staging');
    const bySam = new Map(all.accounts.map((a) => [a.identifiers.find((i) => i.kind === 'login')?.value, a]));
    const alice = bySam.get('alice')!;
    assert.match(alice.externalId, GUID);
    assert.deepEqual(
      alice.identifiers.map((i) => `${i.kind}=${i.value}`).sort(),
      [`dn=${adUserDn('Alice Archer')}`, 'email=alice@example.com', 'employeeId=E001', 'login=alice', `objectId=${alice.externalId}`, 'upn=alice@roster.test'].sort(),
    );
    assert.equal(alice.attributes.department, 'Engineering');
    assert.equal(bySam.get('eve')!.status, 'suspended', 'userAccountControl 0x2');
    assert.equal(bySam.get('bob')!.status, 'active');
    assert.equal(bySam.get('jose')!.displayName, 'José Müller');

    // The GUID string is the one AD uses: the server finds the entry by it (`<GUID=...>` as base DN).
    const c = await samba.admin();
    const byGuid = await c.search(`<GUID=${alice.externalId}>`, { scope: 'base', attributes: ['sAMAccountName'] });
    await c.unbind();
    assert.deepEqual(byGuid.searchEntries.map((e) => e.sAMAccountName), ['alice']);

    const groupName = new Map(all.groups.map((g) => [g.externalId, g.name]));
    const bigId = [...groupName].find(([, n]) => n === 'big')![0];
    assert.equal(all.memberships.filter((m) => m.groupId === bigId).length, BULK, 'all members of the big group, across ranges');
    const ranged = log.lines.find((l) => l.msg === 'LDAP ranged retrieval' && (l.obj as { dn: string }).dn === adGroupDn('big'));
    assert.deepEqual(ranged?.obj, { source: 'ad', dn: adGroupDn('big'), attribute: 'member', values: BULK, requests: 2 }, 'member;range=0-1499, then member;range=1500-2999 (answered 1500-*)');
    const v = result.version!.id;
    assert.equal(t.store.history.membersAt('crowd', v).length, BULK);
    assert.deepEqual(roles(t, 'carol', v), ['engineer'], 'sre < platform < engineering');
    assert.deepEqual(roles(t, 'dave', v), ['cycler'], 'cycle-b < cycle-a < cycle-b');
    assert.deepEqual(roles(t, 'eve@example.com', v), ['auditor']);
    // Our nesting agrees with the server's in-chain matching rule.
    const holders = t.store.history.membersAt('engineer', v).map((m) => JSON.parse(t.store.history.principalData(m.principalId, v)!).identifiers.find((i: { kind: string }) => i.kind === 'login').value).sort();
    assert.deepEqual(holders, await inChain('engineering'));
    assert.deepEqual(await inChain('engineering'), ['alice', 'bob', 'carol']);

    const cursor = decodeCursor(t.store.syncStates()[0]!.cursor);
    assert.equal(cursor?.kind, 'usnChanged');
    assert.ok(cursor?.kind === 'usnChanged' && GUID.test(cursor.invocationId) && /\./.test(cursor.dc));
    await connector.close?.();
  });

  it('incremental by uSNChanged: adds, modifies, renames, member changes; deletions from tombstones (Show Deleted)', async () => {
    const t = testApplier(rules);
    const { connector } = ldapConnector('ad', options(), dir);
    const first = await syncAndApply(connector, t.applier, t.store, { mode: 'full' });
    const v1 = first.result.version!.id;
    const carolPid = t.store.history.principalsForSubject('carol', v1)[0]!;
    const bobPid = t.store.history.principalsForSubject('bob', v1)[0]!;

    const admin = await samba.admin();
    try {
      await admin.add(adUserDn('Frank Fischer'), { objectClass: 'user', sAMAccountName: 'frank', userPrincipalName: 'frank@roster.test', mail: 'frank@example.com', displayName: 'Frank Fischer' });
      await admin.modify(adGroupDn('sre'), new Change({ operation: 'add', modification: new Attribute({ type: 'member', values: [adUserDn('Frank Fischer')] }) }));
      await admin.modify(adUserDn('Bob Baker'), new Change({ operation: 'replace', modification: new Attribute({ type: 'userAccountControl', values: ['514'] }) }));
      await admin.modifyDN(adUserDn('Carol Cruz'), 'CN=Caroline Cruz');
      await admin.modify(adGroupDn('big'), new Change({ operation: 'delete', modification: new Attribute({ type: 'member', values: [adUserDn(adBulkName(3))] }) }));
      await admin.del(adUserDn('Dave Dunn'));
    } finally {
      await admin.unbind();
    }

    const second = await syncAndApply(connector, t.applier, t.store, { collect: true });
    assert.equal(second.run.kind, 'delta');
    const d = flatten(second.batches);
    assert.ok(d.accounts.length <= 5, `only changed users (${d.accounts.map((a) => a.displayName).join(', ')})`);
    assert.equal(d.removedAccounts.length, 1, 'dave, from his tombstone');
    const v2 = second.result.version!.id;
    assert.deepEqual(roles(t, 'frank', v2), ['engineer']);
    assert.equal(JSON.parse(t.store.history.principalData(bobPid, v2)!).status, 'suspended');
    assert.deepEqual(t.store.history.principalsForSubject(`CN=Caroline Cruz,${AD_PEOPLE}`, v2), [carolPid], 'a renamed user keeps its principal');
    assert.deepEqual(t.store.history.rolesAt(carolPid, v2).map((r) => r.role), ['engineer']);
    assert.deepEqual(t.store.history.principalsForSubject('dave', v2), [], 'deleted without waiting for a reconcile');
    assert.equal(t.store.history.membersAt('crowd', v2).length, BULK - 1, 'the big group re-read in ranges');

    // Nothing changed since: no version.
    const idle = await syncAndApply(connector, t.applier, t.store);
    assert.equal(idle.run.kind, 'delta');
    assert.equal(idle.result.version, null);
    // The reconcile agrees with the deltas.
    const reconcile = await syncAndApply(connector, t.applier, t.store, { mode: 'full' });
    assert.equal(reconcile.result.version, null, 'a full run finds nothing the deltas missed');
    await connector.close?.();
  });

  it('another domain controller or a changed invocationId forces a full run', async () => {
    const t = testApplier(rules);
    const { connector } = ldapConnector('ad', options(), dir);
    await syncAndApply(connector, t.applier, t.store, { mode: 'full' });
    const stored = decodeCursor(t.store.syncStates()[0]!.cursor)!;
    const kindWith = async (connectorUnder: PollConnector, cursor: object): Promise<string> => {
      const run = await connectorUnder.sync({ cursor: JSON.stringify(cursor), mode: 'incremental', signal: new AbortController().signal, progress: () => undefined, now: Date.now });
      for await (const _ of run.batches) void _;
      return run.kind;
    };
    assert.equal(await kindWith(connector, stored), 'delta');
    assert.equal(await kindWith(connector, { ...stored, dc: 'dc2.roster.test' }), 'full');
    assert.equal(await kindWith(connector, { ...stored, invocationId: '00000000-0000-0000-0000-000000000000' }), 'full');
    assert.equal(await kindWith(connector, { v: 99 }), 'full', 'a cursor of an unknown format');
    await connector.close?.();
  });

  it('a user moved into the synced subtree gets its memberships from memberOf in the next delta', async () => {
    const t = testApplier(rules);
    const { connector } = ldapConnector('ad', options({ users: { baseDN: AD_PEOPLE }, groups: { baseDN: AD_GROUPS } }), dir);
    const { result } = await syncAndApply(connector, t.applier, t.store, { mode: 'full' });
    const v1 = result.version!.id;
    assert.equal(t.store.history.membersAt('crowd', v1).length, BULK - 1);
    assert.deepEqual(t.store.history.principalsForSubject('hank', v1), [], 'Staging is outside the user base');
    assert.equal(t.store.history.membersAt('auditor', v1).length, 2, 'eve and jose; hank was dropped');
    const admin = await samba.admin();
    await admin.modifyDN(HANK_DN, `CN=Hank Hill,${AD_PEOPLE}`);
    await admin.unbind();
    const d = await syncAndApply(connector, t.applier, t.store, { collect: true });
    assert.equal(d.run.kind, 'delta');
    assert.equal(flatten(d.batches).groups.length, 0, 'no group changed (AD keeps member links by GUID)');
    assert.deepEqual(roles(t, 'hank', d.result.version!.id), ['auditor']);
    await connector.close?.();
  });
});
