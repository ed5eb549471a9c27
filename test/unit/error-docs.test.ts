import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { renderErrorDocs } from '../../src/errors/render-error-docs.js';

describe('docs/errors.md', () => {
  it('is the rendering of the error table (run `npm run docs:errors` after changing codes)', () => {
    assert.equal(readFileSync('docs/errors.md', 'utf8'), renderErrorDocs());
  });
});
