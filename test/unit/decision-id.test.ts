import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newDecisionId } from '../../src/serve/decision-id.js';

describe('decision ids', () => {
  it('are UUIDv7: the millisecond in the first 48 bits, version 7, variant 10, unique, ordered by time', () => {
    const t0 = Date.parse('2026-11-22T12:00:00Z');
    const ids: string[] = [];
    for (let i = 0; i < 20_000; i++) ids.push(newDecisionId(t0 + Math.floor(i / 100)));
    for (const id of ids) assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(ids[0]!.replace(/-/g, '').slice(0, 12), t0.toString(16).padStart(12, '0'));
    assert.equal(ids[19_999]!.replace(/-/g, '').slice(0, 12), (t0 + 199).toString(16).padStart(12, '0'));
    assert.equal(new Set(ids).size, ids.length);
    // Across milliseconds the order is the time order (within one it is random).
    for (let i = 100; i < ids.length; i += 100) assert.ok(ids[i - 1]!.slice(0, 13) < ids[i]!.slice(0, 13));
    // The random part really varies: every hex digit position after the version takes many values.
    const rand = ids.map((id) => id.replace(/-/g, '').slice(13));
    for (let p = 0; p < rand[0]!.length; p++) if (p !== 3) assert.ok(new Set(rand.map((r) => r[p])).size >= 4, `position ${p}`);
  });
});
