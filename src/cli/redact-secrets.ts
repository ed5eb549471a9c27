const PATTERNS: readonly [RegExp, string][] = [
  // https://user:password@host
  [/\b([a-z][a-z0-9+.-]*:\/\/)[^/\s:@]+:[^/\s@]+@/gi, '$1[redacted]@'],
  // Authorization: Bearer x, SSWS x (Okta API tokens), Basic x
  [/\b(Bearer|SSWS|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/g, '$1 [redacted]'],
  // password=x, "client_secret": "x", token: x, ...
  [/\b((?:client[_-]?)?secret|password|passwd|(?:access_|refresh_|api[_-]?)?token|api[_-]?key|client_assertion)(["']?\s*[=:]\s*)("[^"]*"|'[^']*'|[^\s"'&,;]+)/gi, '$1$2[redacted]'],
];

/**
 * Masks what looks like a credential in a stored error message before a command shows it.
 * Connectors already keep secrets out of their errors; this is the second line for text that
 * came from a server or a library (a URL with user info, an echoed header or form field).
 */
export function redactSecrets(text: string): string {
  return PATTERNS.reduce((t, [pattern, replacement]) => t.replace(pattern, replacement), text);
}
