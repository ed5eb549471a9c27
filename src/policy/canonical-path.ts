/** Anything that makes a path mean two things: dot segments, "//", encodings of . / \ NUL, a backslash, query, fragment, control characters. */
const NOT_CANONICAL = /\/\.\.?(?:\/|$)|\/\/|[\\?#\u0000-\u001f\u007f]|%(?:2e|2f|5c|00)/i;

/**
 * Whether a route path is canonical. A proxy may route on a normalized path while the upstream
 * receives the raw one (`/tickets/../admin`), so a decision is only ever made on a path that
 * cannot mean two things. One regex test: this runs on every decision.
 */
export const isCanonicalPath = (path: string): boolean => path.charCodeAt(0) === 47 /* / */ && !NOT_CANONICAL.test(path);
