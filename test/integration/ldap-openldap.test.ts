/**
 * The `ldap` connector against a real OpenLDAP (Debian's slapd, private cn=config, started on a
 * free loopback port by test/support/slapd.ts): full sync, nested roles through a real applier,
 * and add / modify / rename / delete picked up incrementally (deletions by the reconcile).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Change, Attribute } from 'ldapts';
import { decodeCursor } from '../../connectors/ldap/index.js';
import type { ResolveRules } from '../../src/resolve/resolve-rules.js';
import { startSlapd, slapdSkipReason, type RunningSlapd } from '../support/slapd.js';
import { GROUPS, PEOPLE, PEOPLE_LIST, SERVICE_DN, SERVICE_PASSWORD, SUFFIX, TEST_ROLES, bulkUid, groupDn, personDn, testDirectoryLdif } from '../support/slapd-data.js';
import { flatten, ldapConnector, syncAndApply } from '../support/slapd-sync.js';
import { testApplier } from '../support/test-applier.js';

const rules: ResolveRules = { linking: [], roles: TEST_ROLES };

async function waitUntil(check: () => Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
const BIG = 1600;

describe('ldap connector against OpenLDAP', { skip: slapdSkipReason(), timeout: 120_000 }, () => {
  let dir: string;
  let slapd: RunningSlapd;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'roster-slapd-'));
    writeFileSync(join(dir, 'bind.pw'), SERVICE_PASSWORD + '\n', { mode: 0o600 });
    slapd = await startSlapd({ dir, suffix: SUFFIX, rootPassword: 'root-secret', data: testDirectoryLdif(BIG) });
  });
  after(async () => {
    await slapd?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const options = (extra: Record<string, unknown> = {}) => ({
    preset: 'openldap',
    url: slapd.url,
    bindDN: SERVICE_DN,
    bindPassword: { file: 'bind.pw' },
    baseDN: SUFFIX,
    users: { baseDN: PEOPLE },
    groups: { baseDN: GROUPS },
    pageSize: 100,
    status: { attribute: 'employeeType', disabledValues: ['disabled'] },
    attributes: { extra: ['departmentNumber'] },
    ...extra,
  });

  const roles = (t: ReturnType<typeof testApplier>, subject: string, v: number): string[] => {
    const pids = t.store.history.principalsForSubject(subject, v);
    assert.equal(pids.length, 1, `exactly one principal for ${subject} at v${v} (got ${pids.length})`);
    return t.store.history.rolesAt(pids[0]!, v).map((r) => r.role).sort();
  };

  it('full sync: accounts, groups and direct memberships, paged, and nested roles through the applier', async () => {
    const t = testApplier(rules);
    const { connector, log } = ldapConnector('corp', options(), dir);
    const { run, result, batches } = await syncAndApply(connector, t.applier, t.store, { mode: 'full', collect: true });
    assert.equal(run.kind, 'full');
    const all = flatten(batches);
    assert.ok(batches.length > BIG / 100, `streamed page by page (${batches.length} batches)`);

    // Accounts: the people and the bulk users under ou=people, not the outsider nor the services.
    assert.equal(all.accounts.length, PEOPLE_LIST.length + BIG);
    const byUid = new Map(all.accounts.map((a) => [a.identifiers.find((i) => i.kind === 'uid')?.value, a]));
    const alice = byUid.get('alice')!;
    assert.match(alice.externalId, /^[0-9a-f-]{36}$/);
    assert.deepEqual(
      alice.identifiers.map((i) => `${i.kind}=${i.value}`).sort(),
      [`dn=${personDn({ rdn: 'uid=alice' })}`, 'email=alice@example.com', 'employeeId=E001', `objectId=${alice.externalId}`, 'uid=alice'].sort(),
    );
    assert.equal(alice.identifiers.find((i) => i.kind === 'email')?.verified, false);
    assert.equal(alice.displayName, 'Alice Archer');
    assert.deepEqual(alice.attributes, { uid: 'alice', mail: 'alice@example.com', employeeNumber: 'E001', displayName: 'Alice Archer', departmentNumber: 'Engineering' });
    assert.equal(byUid.get('eve')!.status, 'suspended');
    assert.equal(byUid.get('alice')!.status, 'active');
    assert.equal(byUid.get('jose')!.displayName, 'José Müller');
    assert.equal(byUid.get('jose')!.attributes.departmentNumber, 'Développement');
    assert.equal(byUid.get('zoe')!.identifiers.find((i) => i.kind === 'dn')?.value, `cn=Zoë Ångström,${PEOPLE}`);

    // Groups and direct memberships (by name, resolved from ids).
    const groupName = new Map(all.groups.map((g) => [g.externalId, g.name]));
    assert.deepEqual([...groupName.values()].sort(), ['Développeurs', 'auditors', 'big', 'cycle-a', 'cycle-b', 'devs', 'engineering', 'mixed', 'platform', 'sre']);
    const uidOf = new Map(all.accounts.map((a) => [a.externalId, a.identifiers.find((i) => i.kind === 'uid')!.value]));
    const members = (name: string): string[] =>
      all.memberships
        .filter((m) => groupName.get(m.groupId) === name)
        .map((m) => (m.memberType === 'account' ? uidOf.get(m.memberId)! : `group:${groupName.get(m.memberId)}`))
        .sort();
    assert.deepEqual(members('engineering'), ['alice', 'group:platform']);
    assert.deepEqual(members('platform'), ['bob', 'group:sre']);
    assert.deepEqual(members('sre'), ['carol']);
    assert.deepEqual(members('cycle-a'), ['group:cycle-b']);
    assert.deepEqual(members('cycle-b'), ['dave', 'group:cycle-a']);
    assert.deepEqual(members('Développeurs'), ['jose', 'zoe'], 'member DNs in other case, with blanks and hex escapes');
    assert.deepEqual(members('mixed'), ['alice'], 'members outside the synced set are dropped');
    assert.deepEqual(members('auditors'), ['dave', 'eve'], "uniqueMember, with a #'0101'B suffix");
    assert.deepEqual(members('devs'), ['alice', 'zoe'], 'posix memberUid by login');
    assert.equal(members('big').length, BIG);
    assert.ok(log.lines.some((l) => l.level === 'debug' && /outside the synced/.test(l.msg ?? '')));

    // Through the applier: nested groups (three levels, and a cycle) resolve to roles.
    const v = result.version!.id;
    assert.deepEqual(roles(t, 'alice', v), ['developer', 'engineer', 'mixer']);
    assert.deepEqual(roles(t, 'bob', v), ['engineer']);
    assert.deepEqual(roles(t, 'carol@example.com', v), ['engineer'], 'sre < platform < engineering');
    assert.deepEqual(roles(t, 'dave', v), ['auditor', 'cycler'], 'cycle-b < cycle-a < cycle-b');
    assert.deepEqual(roles(t, `cn=zoë ångström,${PEOPLE}`, v), ['developer']);
    assert.equal(t.store.history.membersAt('crowd', v).length, BIG);

    const cursor = decodeCursor(t.store.syncStates()[0]!.cursor);
    assert.equal(cursor?.kind, 'entryCSN');
    await connector.close?.();
  });

  it('incremental: add, modify, group and user renames and member changes as a delta; deletion by the reconcile', async () => {
    const t = testApplier(rules);
    const { connector } = ldapConnector('corp', options(), dir);
    const first = await syncAndApply(connector, t.applier, t.store, { mode: 'full' });
    const v1 = first.result.version!.id;
    const carolPid = t.store.history.principalsForSubject('carol', v1)[0]!;
    const daveRoles = roles(t, 'dave', v1);
    assert.deepEqual(daveRoles, ['auditor', 'cycler']);

    const admin = await slapd.admin();
    try {
      await admin.add(`uid=frank,${PEOPLE}`, { objectClass: 'inetOrgPerson', uid: 'frank', cn: 'Frank Fischer', sn: 'Fischer', mail: 'frank@example.com' });
      await admin.modify(groupDn('engineering'), new Change({ operation: 'add', modification: new Attribute({ type: 'member', values: [`uid=frank,${PEOPLE}`] }) }));
      await admin.modify(personDn({ rdn: 'uid=bob' }), new Change({ operation: 'replace', modification: new Attribute({ type: 'mail', values: ['robert@example.com'] }) }));
      await admin.modifyDN(personDn({ rdn: 'uid=carol' }), `uid=caroline,${PEOPLE}`);
      await admin.modifyDN(groupDn('platform'), 'cn=platform-team');
      await admin.del(personDn({ rdn: 'uid=dave' }));
      // slapd's refint overlay rewrites member values in a background task: until it has, the
      // directory itself names the old DNs (and the connector would faithfully drop them).
      await waitUntil(async () => {
        const r = await admin.search(GROUPS, { filter: '(|(member=uid=caroline,ou=people,dc=example,dc=com)(member=cn=platform-team,ou=groups,dc=example,dc=com))', attributes: ['cn'] });
        const stale = await admin.search(GROUPS, { filter: '(|(member=uid=dave,ou=people,dc=example,dc=com)(uniqueMember=uid=dave,ou=people,dc=example,dc=com))', attributes: ['cn'] });
        return r.searchEntries.length === 2 && stale.searchEntries.length === 0;
      }, 'refint to rewrite member values');
    } finally {
      await admin.unbind();
    }

    const second = await syncAndApply(connector, t.applier, t.store, { collect: true });
    assert.equal(second.run.kind, 'delta');
    const delta = flatten(second.batches);
    const changed = delta.accounts.map((a) => a.displayName);
    for (const name of ['Bob Baker', 'Carol Cruz', 'Frank Fischer']) assert.ok(changed.includes(name), `${name} delivered`);
    assert.ok(changed.length < 10, `only changed users (${changed.join(', ')})`);
    assert.ok(delta.groups.length < 10, 'only changed groups');
    const v2 = second.result.version!.id;
    assert.deepEqual(roles(t, 'frank@example.com', v2), ['engineer']);
    assert.deepEqual(t.store.history.principalsForSubject('robert@example.com', v2), t.store.history.principalsForSubject('bob', v1));
    assert.deepEqual(t.store.history.principalsForSubject(`uid=caroline,${PEOPLE}`, v2), [carolPid], 'a renamed user keeps its principal');
    assert.deepEqual(t.store.history.principalsForSubject('caroline', v2), [carolPid], 'the new RDN value replaced the uid');
    assert.deepEqual(t.store.history.principalsForSubject('carol', v2), []);
    assert.deepEqual(t.store.history.rolesAt(carolPid, v2).map((r) => r.role), ['engineer'], 'memberships follow the rename (refint)');
    // dave's entry is gone, but an incremental run cannot see deletions: the reconcile does.
    assert.equal(t.store.history.principalsForSubject('dave', v2).length, 1);

    const reconcile = await syncAndApply(connector, t.applier, t.store, { mode: 'full' });
    const v3 = reconcile.result.version!.id;
    assert.deepEqual(t.store.history.principalsForSubject('dave', v3), []);
    assert.deepEqual(t.store.history.rolesAt(carolPid, v3).map((r) => r.role), ['engineer']);
    assert.equal(t.store.history.principalsForSubject('dave', v3 - 1).length, 1, 'history keeps him before the reconcile');

    // Nothing changed since: incremental polls deliver nothing (the entry at the mark is skipped) and commit no version.
    for (let k = 0; k < 2; k++) {
      const idle = await syncAndApply(connector, t.applier, t.store, { collect: true });
      assert.equal(idle.run.kind, 'delta');
      assert.equal(idle.result.version, null);
      assert.deepEqual(idle.batches, [], `poll ${k + 1} delivers nothing`);
    }
    await connector.close?.();
  });

  it('a change to a member of a big group re-reads the whole member list (replaceMembers)', async () => {
    const t = testApplier(rules);
    const { connector } = ldapConnector('corp', options(), dir);
    await syncAndApply(connector, t.applier, t.store, { mode: 'full' });
    const admin = await slapd.admin();
    try {
      await admin.modify(groupDn('big'), new Change({ operation: 'delete', modification: new Attribute({ type: 'member', values: [`uid=${bulkUid(7)},${PEOPLE}`] }) }));
    } finally {
      await admin.unbind();
    }
    const d = await syncAndApply(connector, t.applier, t.store, { collect: true });
    const { replaceMembers } = flatten(d.batches);
    assert.equal(replaceMembers.length, 1);
    assert.equal(replaceMembers[0]!.members.length, BIG - 1);
    const v = d.result.version!.id;
    assert.equal(t.store.history.membersAt('crowd', v).length, BIG - 1);
    assert.deepEqual(roles(t, bulkUid(7), v), []);
    await connector.close?.();
  });

  it('an incremental run in a fresh process (no index yet) resolves member DNs by looking them up', async () => {
    const t = testApplier(rules);
    const first = ldapConnector('corp', options(), dir);
    await syncAndApply(first.connector, t.applier, t.store, { mode: 'full' });
    await first.connector.close?.();
    const admin = await slapd.admin();
    try {
      await admin.add(`uid=gina,${PEOPLE}`, { objectClass: 'inetOrgPerson', uid: 'gina', cn: 'Gina Gold', sn: 'Gold', mail: 'gina@example.com' });
      await admin.modify(groupDn('sre'), new Change({ operation: 'add', modification: new Attribute({ type: 'member', values: [`uid=gina,${PEOPLE}`] }) }));
      await admin.modify(groupDn('devs'), new Change({ operation: 'add', modification: new Attribute({ type: 'memberUid', values: ['jose'] }) }));
    } finally {
      await admin.unbind();
    }
    const fresh = ldapConnector('corp', options(), dir);
    const d = await syncAndApply(fresh.connector, t.applier, t.store, { collect: true });
    assert.equal(d.run.kind, 'delta');
    const v = d.result.version!.id;
    assert.deepEqual(roles(t, 'gina', v), ['engineer']);
    assert.deepEqual(roles(t, 'jose', v), ['developer']);
    assert.deepEqual(roles(t, 'alice', v), ['developer', 'engineer', 'mixer'], 'other members of the changed groups are kept');
    await fresh.connector.close?.();
  });
});
