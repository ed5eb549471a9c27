import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { REPO, runCli } from '../support/run-cli.js';
import { tempDir } from '../support/temp-dir.js';

/** A copy of the demo (config, directory, policy, cases) in a temp dir, synced once. */
function demoCopy(): { dir: string; config: string } {
  const dir = tempDir();
  for (const f of ['roster.yaml', 'directory.yaml', 'policy.yaml', 'policy-tests.yaml']) copyFileSync(join(REPO, 'config/demo', f), join(dir, f));
  const config = join(dir, 'roster.yaml');
  writeFileSync(config, readFileSync(config, 'utf8').replace(/\.\.\/\.\.\/var\//g, './var/'));
  assert.equal(runCli(['sync', '-c', config]).status, 0);
  return { dir, config };
}

describe('decision CLI', () => {
  const { dir, config } = demoCopy();
  const chat = ['--route', '/v1/chat/completions', '--method', 'POST', '--action', 'invoke', '--endpoint', 'azure-openai-hipaa', '--context', 'dataClasses=PHI'];

  it('decide: exit 0 on allow, 8 on deny; --json carries the contract fields', () => {
    const a = runCli(['decide', '-c', config, '--subject', 'alice@example.com', ...chat, '--json']);
    assert.equal(a.status, 0, a.stderr);
    const d = JSON.parse(a.stdout);
    assert.equal(d.decision, 'allow');
    assert.deepEqual(d.authorizedBy, { role: 'clinician', policy: 'hipaa-chat', rule: 'clinicians-may-send-phi' });
    assert.equal(d.roleStateVersion, 1);
    assert.match(d.policyVersion, /^sha256:[0-9a-f]{64}$/);
    const b = runCli(['decide', '-c', config, '--subject', 'bob@example.com', ...chat]);
    assert.equal(b.status, 8);
    assert.match(b.stdout, /deny: denied_by_rule/);
  });

  it('explain prints the path from identifier to decision', () => {
    const e = runCli(['explain', '-c', config, '--subject', 'bob@example.com', ...chat]);
    assert.equal(e.status, 8);
    assert.match(e.stdout, /role\s+staff\s+via demo: marketing-team -> all-staff/);
    assert.match(e.stdout, /rule\s+marketing-may-not-send-phi \(deny, role marketing, route any-chat\): applies/);
    assert.match(e.stdout, /rule\s+staff-may-chat-without-phi .*does not apply/);
  });

  it('decide --at uses the role state and policy in force then', () => {
    // Nora leaves the nurses; the policy stays. At @1 she was a clinician, now she is not.
    const file = join(dir, 'directory.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('groups: [nurses]', 'groups: []'));
    assert.equal(runCli(['sync', '-c', config]).status, 0);
    const now = runCli(['decide', '-c', config, '--subject', 'nora@example.com', ...chat]);
    assert.equal(now.status, 8);
    const then = runCli(['decide', '-c', config, '--subject', 'nora@example.com', ...chat, '--at', '@1']);
    assert.equal(then.status, 0, then.stdout + then.stderr);
  });

  it('policy check / test / diff', () => {
    assert.equal(runCli(['policy', 'check', join(dir, 'policy.yaml'), '-c', config]).status, 0);
    const bad = join(dir, 'bad-policy.yaml');
    writeFileSync(bad, 'rules:\n  - name: x\n    effect: allow\n    roles: [wizard]\n    routes: [nowhere]\n');
    const c = runCli(['policy', 'check', bad, '-c', config]);
    assert.equal(c.status, 3);
    assert.match(c.stderr, /bad-policy\.yaml:4: rules\[0\]\.roles\[0\]: names role "wizard"/);
    const t = runCli(['policy', 'test', join(dir, 'policy-tests.yaml'), '-c', config]);
    assert.match(t.stdout, /passed, 0 failed|FAIL/);
    const cases = join(dir, 'wrong-cases.yaml');
    writeFileSync(cases, 'cases:\n  - name: bob may send PHI (wrong on purpose)\n    request: { subject: { id: bob@example.com }, route: /v1/chat/completions, method: POST, action: invoke, context: { dataClasses: [PHI] } }\n    expect: allow\n');
    const wrong = runCli(['policy', 'test', cases, '-c', config]);
    assert.equal(wrong.status, 6);
    assert.match(wrong.stdout, /FAIL bob may send PHI .*expected allow, got deny \(denied_by_rule\)/);
    const next = join(dir, 'policy-next.yaml');
    writeFileSync(next, readFileSync(join(dir, 'policy.yaml'), 'utf8').replace('roles: [research-agent]\n    routes: [tickets-read]', 'roles: [research-agent]\n    routes: [tickets-read, tickets-write]').replace('actions: [read]\n  - name: admins', 'actions: [read, write]\n  - name: admins'));
    const d = runCli(['policy', 'diff', join(dir, 'policy.yaml'), next, '-c', config, '--json']);
    assert.equal(d.status, 0, d.stderr);
    const changes = JSON.parse(d.stdout).changes as { name: string; route: string; action: string; after: string }[];
    assert.ok(changes.some((x) => x.name === 'Research agent' && x.route === 'tickets-write' && x.action === 'write' && x.after === 'allow'), JSON.stringify(changes));
    assert.ok(changes.every((x) => x.name === 'Research agent'));
  });
});
