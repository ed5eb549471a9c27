import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

/** The import rules of ARCHITECTURE.md, checked on the TypeScript sources. */
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

function files(dir: string): string[] {
  return readdirSync(join(root, dir)).flatMap((name) => {
    const path = join(dir, name);
    return statSync(join(root, path)).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
  });
}

function imports(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)) {
    const spec = m[1] ?? m[2]!;
    out.push(spec.startsWith('.') ? relative(root, resolve(dirname(join(root, file)), spec)) : spec);
  }
  return out;
}

const all = [...files('src'), ...files('connectors')];

describe('architecture boundaries', () => {
  it('only src/store imports better-sqlite3', () => {
    const offenders = all.filter((f) => !f.startsWith('src/store/') && imports(f).includes('better-sqlite3'));
    assert.deepEqual(offenders, []);
  });

  it('connectors import only connectors/connector.ts, src/model and their own folder', () => {
    const offenders = files('connectors').flatMap((f) =>
      imports(f)
        .filter((i) => i.startsWith('src/') || i.startsWith('connectors/'))
        .filter((i) => !i.startsWith('src/model/') && i !== 'connectors/connector.js' && !i.startsWith(dirname(f) + '/'))
        .map((i) => `${f} -> ${i}`),
    );
    assert.deepEqual(offenders, []);
  });

  it('src/resolve and src/policy are pure: no I/O, no clock, no layers but model and each other', () => {
    const pure = all.filter((f) => f.startsWith('src/resolve/') || f.startsWith('src/policy/'));
    const layer = (i: string): boolean => i.startsWith('src/model/') || i.startsWith('src/resolve/') || i.startsWith('src/policy/');
    const offenders = pure.flatMap((f) => {
      const bad = imports(f).filter((i) => (i.startsWith('src/') && !layer(i)) || i.startsWith('connectors/') || (i.startsWith('node:') && i !== 'node:crypto') || i === 'better-sqlite3');
      const text = readFileSync(join(root, f), 'utf8');
      if (/Date\.now\(|new Date\(\)|performance\.now\(/.test(text)) bad.push('reads the clock');
      return bad.map((b) => `${f}: ${b}`);
    });
    assert.deepEqual(offenders, []);
  });

  it('src/serve never imports a connector; only daemon.ts, connector-factories.ts and src/cli import connectors', () => {
    const offenders = all
      .filter((f) => f.startsWith('src/') && !f.startsWith('src/cli/') && f !== 'src/daemon.ts' && f !== 'src/connector-factories.ts')
      .flatMap((f) => imports(f).filter((i) => i.startsWith('connectors/') && i !== 'connectors/connector.js' ).map((i) => `${f} -> ${i}`));
    assert.deepEqual(offenders, []);
  });

  it('no source file is a catch-all or over 400 lines', () => {
    const offenders = all.filter((f) => /(^|\/)(utils|helpers)\.ts$/.test(f) || readFileSync(join(root, f), 'utf8').split('\n').length > 400);
    assert.deepEqual(offenders, []);
  });
});
