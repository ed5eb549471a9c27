import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { socketRequest } from '../../src/cli/socket-request.js';
import { demoLikeConfig, runCli, startCli } from '../support/run-cli.js';
import { waitFor } from '../support/wait-for.js';

describe('a damaged or locked store is reported clearly', () => {
  it('a corrupted store file: queries and the daemon exit 5 naming the file, nothing is overwritten', () => {
    const { dir, config } = demoLikeConfig();
    const path = join(dir, 'roster.db');
    const garbage = 'this is not a database '.repeat(400);
    writeFileSync(path, garbage);
    const q = runCli(['members', 'staff', '-c', config]);
    assert.equal(q.status, 5, q.stderr);
    assert.match(q.stderr, /roster\.db.*(damaged|not a database)|ROSTER_ERR_STORE/);
    const d = runCli(['daemon', '-c', config]);
    assert.equal(d.status, 5, d.stderr + d.stdout);
    assert.match(d.stderr + d.stdout, /ROSTER_ERR_STORE_(CORRUPT|OPEN)/);
    assert.equal(readFileSync(path, 'utf8'), garbage);
  });

  it('a second daemon on a store another daemon holds is refused with exit 5; the first keeps serving', async () => {
    const { dir, config } = demoLikeConfig();
    const first = startCli(['daemon', '-c', config]);
    try {
      await waitFor('the first daemon', async () => (await socketRequest(join(dir, 'decision.sock'), 'GET', '/readyz')).status === 200);
      const second = runCli(['daemon', '-c', config]);
      assert.equal(second.status, 5);
      assert.match(second.stderr, /another Roster process holds the store/);
      assert.equal((await socketRequest(join(dir, 'decision.sock'), 'GET', '/readyz')).status, 200);
    } finally {
      first.kill('SIGTERM');
      await once(first, 'exit');
    }
  });
});
