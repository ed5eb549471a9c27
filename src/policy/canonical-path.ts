/**
 * Whether a route path is canonical: absolute, no empty, "." or ".." segments, no encoded dot,
 * slash, backslash or NUL, no backslash, no control characters, no query or fragment. A proxy
 * may route on a normalized path while the upstream receives the raw one (`/tickets/../admin`),
 * so a decision is only ever made on a path that cannot mean two things.
 */
export function isCanonicalPath(path: string): boolean {
  if (!path.startsWith('/')) return false;
  if (/[\\?#\u0000-\u001f\u007f]|%(2e|2f|5c|00)/i.test(path)) return false;
  const segments = path.split('/');
  for (let i = 1; i < segments.length; i++) {
    const s = segments[i]!;
    if (s === '.' || s === '..') return false;
    // Empty segments ("//") only allowed as the trailing slash.
    if (s === '' && i !== segments.length - 1) return false;
  }
  return true;
}
