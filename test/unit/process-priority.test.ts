/**
 * CPU priority of the provider and the responder, every thread of each: the provider lowers
 * itself to nice 10; a responder forked from it (a restart) goes back to nice 0. Checked from
 * /proc in a child process, whose threads V8 started at the priority it began with.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { PROVIDER_NICE } from '../../src/sync/background-priority.js';

const dist = fileURLToPath(new URL('../../', import.meta.url));
const script = `
  import { readdirSync, readFileSync } from 'node:fs';
  import { lowerToBackgroundPriority } from '${dist}src/sync/background-priority.js';
  import { restoreNormalPriority } from '${dist}src/serve/restore-normal-priority.js';
  const warnings = [];
  const log = { warn: (o, m) => warnings.push(m), info: () => {}, error: () => {}, debug: () => {} };
  // The nice value of each thread as /proc lists them (field 19 of stat).
  const threads = () => readdirSync('/proc/self/task').map((t) =>
    Number(readFileSync('/proc/self/task/' + t + '/stat', 'utf8').replace(/^.*\\) /s, '').split(' ')[16]));
  const before = threads();
  lowerToBackgroundPriority(log);
  const lowered = threads();
  restoreNormalPriority(log);
  console.log(JSON.stringify({ before, lowered, restored: threads(), warnings }));
`;

describe('process priority', () => {
  const linux = existsSync('/proc/self/task');
  it('lowers every thread to nice 10, and a responder raises every thread back', { skip: !linux && !process.env.CI && 'no /proc' }, () => {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const { before, lowered, restored, warnings } = JSON.parse(r.stdout) as Record<string, number[]> & { warnings: string[] };
    assert.ok(before!.length > 1, 'V8 and libuv threads are there to check');
    assert.deepEqual(new Set(before), new Set([0]));
    assert.deepEqual(new Set(lowered), new Set([PROVIDER_NICE]), 'every thread at nice 10');
    assert.deepEqual(new Set(restored), new Set([0]), 'every thread back at nice 0');
    assert.deepEqual(warnings, []);
  });
});
