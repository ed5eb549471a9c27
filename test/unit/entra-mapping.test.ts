import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseEntraOptions } from '../../connectors/entra/config.js';
import { groupIncluded, groupType, servicePrincipalAccount, servicePrincipalIncluded, userAccount } from '../../connectors/entra/map-objects.js';
import { isComplete, mergeInto, removedReason, selectFor, type DirRecord } from '../../connectors/entra/records.js';
import { Round, type RoundItem } from '../fakes/entra/delta-rounds.js';

const o = parseEntraOptions({
  tenantId: '7e0b2a1c-4f3d-4c59-9b8e-3c1d2e4f5a6b',
  clientId: '5a1f0c3e-8d2b-4e6a-9f70-1b2c3d4e5f60',
  clientSecret: { env: 'X' },
  users: { attributes: ['department', 'employeeId'], emailVerified: false, disabledStatus: 'deprovisioned' },
  servicePrincipals: { enabled: true, agentTags: ['agent'], requireTag: null },
});
const rec = (props: Record<string, unknown>, softDeleted = false): DirRecord => ({ id: 'id-1', props, softDeleted });

describe('entra mapping', () => {
  it('users: object id, upn, mail, employeeId; status from accountEnabled and the recycle bin', () => {
    const r = rec({ displayName: 'Alice', userPrincipalName: 'alice@contoso.com', mail: 'alice@contoso.com', accountEnabled: true, userType: 'Member', department: 'ICU', employeeId: 'E7' });
    const a = userAccount(r, o);
    assert.deepEqual(
      a.identifiers.map((i) => `${i.kind}=${i.value}:${i.verified ?? '-'}`),
      ['objectId=id-1:-', 'upn=alice@contoso.com:-', 'email=alice@contoso.com:false', 'employeeId=E7:-'],
    );
    assert.deepEqual(a.attributes, { userType: 'Member', department: 'ICU', employeeId: 'E7' });
    assert.equal(a.status, 'active');
    assert.equal(userAccount(rec({ ...r.props, accountEnabled: false }), o).status, 'deprovisioned', 'disabledStatus from the options');
    assert.equal(userAccount(rec(r.props, true), o).status, 'deprovisioned', 'soft-deleted');
    assert.deepEqual(userAccount(rec({ userPrincipalName: 'x@y', mail: null, accountEnabled: true }), o).identifiers.map((i) => i.kind), ['objectId', 'upn']);
  });

  it('service principals: client id, agent by tag, filters', () => {
    const sp = rec({ appId: 'app-1', displayName: 'bot', accountEnabled: true, servicePrincipalType: 'Application', tags: ['agent'], appOwnerOrganizationId: 't' });
    const a = servicePrincipalAccount(sp, o);
    assert.equal(a.kind, 'agent');
    assert.deepEqual(a.identifiers, [{ kind: 'objectId', value: 'id-1' }, { kind: 'clientId', value: 'app-1' }]);
    assert.equal(servicePrincipalAccount(rec({ ...sp.props, tags: [] }), o).kind, 'service');
    assert.equal(servicePrincipalIncluded(sp, o), true);
    assert.equal(servicePrincipalIncluded(rec({ ...sp.props, appOwnerOrganizationId: 'f8cdef31-a31e-4b4a-93e4-5f571e91255a' }), o), false, 'Microsoft first-party');
    assert.equal(servicePrincipalIncluded(rec({ ...sp.props, servicePrincipalType: 'SocialIdp' }), o), false);
    const tagged = parseEntraOptions({ tenantId: o.tenantId, clientId: o.clientId, clientSecret: { env: 'X' }, servicePrincipals: { enabled: true, requireTag: 'roster' } });
    assert.equal(servicePrincipalIncluded(sp, tagged), false, 'requireTag');
  });

  it('group types: Unified, security, distribution; unknown ones are kept', () => {
    assert.equal(groupType(rec({ groupTypes: ['Unified'], securityEnabled: true, mailEnabled: true })), 'microsoft365');
    assert.equal(groupType(rec({ groupTypes: [], securityEnabled: true, mailEnabled: true })), 'security');
    assert.equal(groupType(rec({ groupTypes: [], securityEnabled: false, mailEnabled: true })), 'distribution');
    assert.equal(groupType(rec({})), null);
    assert.equal(groupIncluded(rec({ groupTypes: [], securityEnabled: false, mailEnabled: true }), o), false);
    assert.equal(groupIncluded(rec({}), o), true);
  });

  it('records: merging partial appearances, completeness, @removed', () => {
    const r = rec({});
    mergeInto(r, { id: 'id-1', displayName: 'A', 'members@delta': [], '@odata.type': '#microsoft.graph.user' });
    assert.deepEqual({ ...r.props }, { displayName: 'A' });
    assert.equal(isComplete(r, selectFor('users', o)), false);
    for (const k of selectFor('users', o)) if (k !== 'id') r.props[k] = null;
    assert.equal(isComplete(r, selectFor('users', o)), true);
    assert.equal(removedReason({ id: 'x', '@removed': { reason: 'changed' } }), 'changed');
    assert.equal(removedReason({ id: 'x', '@removed': { reason: 'deleted' } }), 'deleted');
    assert.equal(removedReason({ id: 'x', '@removed': {} }), 'deleted');
    assert.equal(removedReason({ id: 'x' }), null);
  });
});

describe('fake Graph paging', () => {
  it("spreads a big group's members over pages; the group reappears with the rest", () => {
    const members = Array.from({ length: 250 }, (_, i) => ({ id: `u${i}`, type: '#microsoft.graph.user' as const }));
    const items: RoundItem[] = [{ entry: { id: 'g1', displayName: 'big' }, members }, { entry: { id: 'g2', displayName: 'small' }, members: members.slice(0, 3) }];
    const round = new Round('groups', items, 0, ['id', 'displayName', 'members'], { pageSize: 10, membersPerPage: 100, emptyPages: false, duplicates: false, partialUpdates: false });
    const pages = round.pages.map((_, i) => round.render(i));
    assert.equal(pages.length, 3);
    assert.deepEqual(pages[0]![0], { id: 'g1', displayName: 'big', 'members@delta': members.slice(0, 100).map((m) => ({ '@odata.type': m.type, id: m.id })) });
    assert.deepEqual(Object.keys(pages[1]![0]!), ['id', 'members@delta'], 'a continuation carries only the id and more members');
    const all = pages.flat().filter((e) => e.id === 'g1').flatMap((e) => e['members@delta'] as { id: string }[]);
    assert.equal(all.length, 250);
  });
});
