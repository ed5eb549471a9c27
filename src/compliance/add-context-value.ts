/**
 * One `context` value given as text (a CLI flag, a query parameter): JSON is parsed, anything
 * else stays a string, and a repeated key makes a list.
 */
export function addContextValue(context: Record<string, unknown>, key: string, text: string): void {
  let value: unknown = text;
  try {
    value = JSON.parse(text);
  } catch {
    value = text;
  }
  const prev = context[key];
  context[key] = prev === undefined ? value : [...(Array.isArray(prev) ? prev : [prev]), value];
}
