import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readSecret } from '../../src/config/secret-ref.js';
import { loadRosterConfig } from '../../src/daemon.js';
import { RosterError } from '../../src/errors/roster-error.js';
import { tempDir } from '../support/temp-dir.js';

function configError(yaml: string): RosterError {
  const file = join(tempDir(), 'roster.yaml');
  writeFileSync(file, yaml);
  try {
    loadRosterConfig(file);
  } catch (err) {
    assert.ok(err instanceof RosterError, String(err));
    assert.equal(err.code, 'ROSTER_ERR_CONFIG_INVALID');
    assert.ok(err.message.includes(file), 'names the file');
    return err;
  }
  assert.fail('config was accepted');
}

describe('config', () => {
  it('accepts the demo config and resolves paths against the config folder', () => {
    const c = loadRosterConfig('config/demo/roster.yaml');
    assert.match(c.store.path, /\/var\/roster\.db$/);
    assert.equal(c.sources[0]?.maxStaleness, 3_600_000);
    assert.equal(c.listen.decision.mode, 0o660);
  });

  it('names the line, the path, what was expected and what was found', () => {
    const err = configError('store:\n  path: ./x.db\nsources:\n  - id: corp\n    type: static\n    schedule: 5\n    options: { file: d.yaml }\n');
    assert.match(err.message, /roster\.yaml:6: sources\[0\]\.schedule: expected string, found number 5/);
  });

  it('reports unknown keys, unknown source types and bad connector options with their paths', () => {
    const err = configError('stroe: {}\nsources:\n  - id: a\n    type: ldapp\n  - id: b\n    type: static\n    options: { fil: x }\n');
    assert.match(err.message, /unknown key "stroe"/);
    const err2 = configError('sources:\n  - id: a\n    type: ldapp\n  - id: b\n    type: static\n    options: { fil: x }\n');
    assert.match(err2.message, /:3: sources\[0\]\.type: unknown source type "ldapp"/);
    assert.match(err2.message, /sources\[1\]\.options: unknown key "fil"/);
    assert.match(err2.message, /sources\[1\]\.options\.file: expected string, found nothing/);
  });

  it('checks cross references: duplicate ids and roles naming unknown sources', () => {
    const err = configError(
      'sources:\n  - { id: a, type: static, options: { file: x } }\n  - { id: a, type: static, options: { file: y } }\nroles:\n  - name: r\n    grantedBy:\n      - group: { source: nope, name: g }\n',
    );
    assert.match(err.message, /duplicate source id "a"/);
    // "config" names configuration changes in the history (their versions and sync state).
    assert.match(configError('sources:\n  - { id: config, type: static, options: { file: x } }\n').message, /sources\[0\]\.id: "config" is reserved/);
    assert.match(err.message, /roles\[0\]\.grantedBy\[0\]: names source "nope"/);
  });

  it('rejects YAML syntax errors with a line number, and invalid cron and durations', () => {
    assert.match(configError('sources: [\n  - id: a\n').message, /roster\.yaml:\d+: \(top level\): YAML syntax/);
    const err = configError('sources:\n  - { id: a, type: static, schedule: "every day", maxStaleness: soon, options: { file: x } }\n');
    assert.match(err.message, /schedule: expected a cron expression/);
    assert.match(err.message, /maxStaleness: expected a duration like "30s".*found "soon"/);
  });

  it('refuses inline secrets and never prints a secret value', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'pw'), 'hunter2\n');
    assert.equal(readSecret({ file: 'pw' }, dir, 'test'), 'hunter2');
    process.env.ROSTER_TEST_SECRET = 's3cr3t';
    assert.equal(readSecret({ env: 'ROSTER_TEST_SECRET' }, dir, 'test'), 's3cr3t');
    assert.throws(() => readSecret({ env: 'ROSTER_TEST_MISSING' }, dir, 'source "x"'), /env ROSTER_TEST_MISSING for source "x" is unavailable/);
    assert.throws(() => readSecret({ file: 'missing' }, dir, 'x'), (e: unknown) => e instanceof RosterError && !e.message.includes('hunter2') && /ENOENT/.test(e.message));
  });
});
