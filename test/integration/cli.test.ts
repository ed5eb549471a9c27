import assert from 'node:assert/strict';
import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { demoLikeConfig, runCli } from '../support/run-cli.js';

describe('roster CLI', () => {
  const { dir, config } = demoLikeConfig();

  it('query commands on an empty store say so and exit non-zero', () => {
    const r = runCli(['roles', 'alice@example.com', '-c', config]);
    assert.equal(r.status, 5);
    assert.match(r.stderr, /does not exist yet/);
  });

  it('sync --dry-run prints the diff and commits nothing; sync commits', () => {
    const dry = runCli(['sync', '--dry-run', '-c', config]);
    assert.equal(dry.status, 0, dry.stderr);
    assert.match(dry.stdout, /dry run, nothing committed/);
    assert.match(dry.stdout, /\+ p_[0-9a-f]{16} clinician/);
    const sync = runCli(['sync', '-c', config, '--json']);
    assert.equal(sync.status, 0, sync.stderr);
    assert.equal(JSON.parse(sync.stdout)[0].version.id, 1);
  });

  it('roles: table, --json, case-insensitive email, --at', () => {
    const r = runCli(['roles', 'ALICE@example.com', '-c', config, '--json']);
    assert.equal(r.status, 0, r.stderr);
    const body = JSON.parse(r.stdout);
    assert.deepEqual(body.roles.map((x: { role: string }) => x.role), ['clinician', 'staff']);
    assert.deepEqual(body.roles[0].path, { via: 'group', source: 'demo', groups: ['physicians', 'clinical'] });
    const table = runCli(['roles', 'svc-support-agent', '-c', config]);
    assert.match(table.stdout, /support-agent\s+@1\s+demo: role:support-agent/);
    assert.equal(runCli(['roles', 'alice@example.com', '--at', '@1', '-c', config]).status, 0);
  });

  it('unknown subject, unknown role, bad time and unknown version have distinct exit codes', () => {
    const u = runCli(['roles', 'mallory@example.com', '-c', config]);
    assert.equal(u.status, 4);
    assert.match(u.stderr, /no principal has the identifier "mallory@example.com"/);
    const role = runCli(['members', 'wizard', '-c', config]);
    assert.equal(role.status, 4);
    assert.match(role.stderr, /no role named "wizard"/);
    const t = runCli(['roles', 'alice@example.com', '--at', 'yesterday', '-c', config]);
    assert.equal(t.status, 2);
    assert.match(t.stderr, /ISO-8601/);
    assert.equal(runCli(['roles', 'alice@example.com', '--at', '2001-01-01', '-c', config]).status, 4);
  });

  it('a change shows up in changes, members and status', () => {
    const file = join(dir, 'directory.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('groups: [nurses]', 'groups: []'));
    assert.equal(runCli(['sync', '-c', config]).status, 0);
    const c = runCli(['changes', '--since', '@1', '-c', config, '--json']);
    const changes = JSON.parse(c.stdout).changes as { change: string; role: string; version: number; source: string }[];
    assert.deepEqual(changes.map((x) => `${x.change} ${x.role} @${x.version} ${x.source}`).sort(), ['lost clinician @2 demo', 'lost staff @2 demo']);
    const now = JSON.parse(runCli(['members', 'clinician', '-c', config, '--json']).stdout);
    const before = JSON.parse(runCli(['members', 'clinician', '--at', '@1', '-c', config, '--json']).stdout);
    assert.equal(before.members.length - now.members.length, 1);
    const s = JSON.parse(runCli(['status', '-c', config, '--json']).stdout);
    assert.equal(s.roleStateVersion.id, 2);
    assert.equal(s.sources[0].health, 'ok');
  });

  it('config check: 0 on a valid file, 3 with the problem on an invalid one', () => {
    assert.equal(runCli(['config', 'check', config]).status, 0);
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'sources:\n  - id: Bad Id\n    type: static\n');
    const r = runCli(['config', 'check', bad]);
    assert.equal(r.status, 3);
    assert.match(r.stderr, /bad\.yaml:2: sources\[0\]\.id: expected an id/);
  });
});
