/** Key of an account across sources; NUL cannot occur in source ids or directory ids. */
export const accountKey = (source: string, externalId: string): string => `${source}\u0000${externalId}`;

export function splitAccountKey(key: string): { source: string; externalId: string } {
  const i = key.indexOf('\u0000');
  return { source: key.slice(0, i), externalId: key.slice(i + 1) };
}
