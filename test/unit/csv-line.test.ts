import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { csvLine } from '../../src/audit/csv-line.js';

describe('csvLine', () => {
  it('quotes fields with commas, quotes and line breaks (RFC 4180)', () => {
    assert.equal(csvLine(['a', 'b,c', 'say "hi"', 'x\ny', '']), 'a,"b,c","say ""hi""","x\ny",\n');
  });

  it('neutralizes cells a spreadsheet would run as formulas, and leaves the rest alone', () => {
    assert.equal(csvLine(['=HYPERLINK("http://evil.example","x")', '+1', '-2', '@SUM(A1)', '\tx', '\rx']), `"'=HYPERLINK(""http://evil.example"",""x"")",'+1,'-2,'@SUM(A1),'\tx,"'\rx"\n`);
    // Where ';' separates cells, the part after it would start a cell: the field is quoted whole.
    assert.equal(csvLine(['x;=cmd|"/c calc"', 'a;b']), '"x;=cmd|""/c calc""","a;b"\n');
    assert.equal(csvLine(['a=b', 'user-1@example.com', '2026-01-01T00:00:00.000Z', 'sha256:ab']), 'a=b,user-1@example.com,2026-01-01T00:00:00.000Z,sha256:ab\n');
  });
});
