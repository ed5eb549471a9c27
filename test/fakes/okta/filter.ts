/**
 * Okta's filter / search expression language (developer.okta.com/docs/api/#filter), enough of it
 * for the fake: comparisons `attr op value` with eq ne gt ge lt le sw co ew, `attr pr`, `and`,
 * `or` and parentheses (precedence: grouping, and, or). Values: "strings", numbers, true, false,
 * null. Timestamps compare as instants. Attributes outside `allowed` are refused, as Okta does.
 */
export type Predicate = (obj: unknown) => boolean;

export class FilterError extends Error {}

type Token = { t: 'word'; v: string } | { t: 'str'; v: string } | { t: '('; v: '(' } | { t: ')'; v: ')' };

function tokenize(s: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '(' || c === ')') {
      out.push(c === '(' ? { t: '(', v: '(' } : { t: ')', v: ')' });
      i++;
    } else if (c === '"') {
      let v = '';
      i++;
      for (;;) {
        if (i >= s.length) throw new FilterError('unterminated string');
        const d = s[i]!;
        if (d === '\\') {
          v += s[i + 1] ?? '';
          i += 2;
        } else if (d === '"') {
          i++;
          break;
        } else {
          v += d;
          i++;
        }
      }
      out.push({ t: 'str', v });
    } else {
      const m = /^[^\s()"]+/.exec(s.slice(i))!;
      out.push({ t: 'word', v: m[0] });
      i += m[0].length;
    }
  }
  return out;
}

const OPS = new Set(['eq', 'ne', 'gt', 'ge', 'lt', 'le', 'sw', 'co', 'ew', 'pr']);
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

function lookup(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    if (Array.isArray(cur)) return cur.map((x) => lookup(x, part)).flat();
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

function compare(op: string, actual: unknown, expected: unknown): boolean {
  if (Array.isArray(actual)) return actual.some((a) => compare(op, a, expected));
  if (op === 'pr') return actual !== undefined && actual !== null && actual !== '';
  if (actual === undefined || actual === null) return op === 'ne' ? expected !== null : expected === null && op === 'eq';
  let a: unknown = actual;
  let e: unknown = expected;
  if (typeof a === 'string' && typeof e === 'string' && ISO.test(e) && !Number.isNaN(Date.parse(a))) {
    a = Date.parse(a);
    e = Date.parse(e);
  }
  switch (op) {
    case 'eq':
      return a === e;
    case 'ne':
      return a !== e;
    case 'gt':
      return (a as number) > (e as number);
    case 'ge':
      return (a as number) >= (e as number);
    case 'lt':
      return (a as number) < (e as number);
    case 'le':
      return (a as number) <= (e as number);
    case 'sw':
      return typeof a === 'string' && typeof e === 'string' && a.startsWith(e);
    case 'co':
      return typeof a === 'string' && typeof e === 'string' && a.includes(e);
    case 'ew':
      return typeof a === 'string' && typeof e === 'string' && a.endsWith(e);
    default:
      return false;
  }
}

/** Parses an expression; `allowed` (when given) limits the attributes it may name. */
export function parseFilter(expr: string, allowed?: readonly string[]): Predicate {
  const toks = tokenize(expr);
  let i = 0;
  const peekWord = (): string | undefined => (toks[i]?.t === 'word' ? toks[i]!.v.toLowerCase() : undefined);

  const parseOr = (): Predicate => {
    const parts = [parseAnd()];
    while (peekWord() === 'or') {
      i++;
      parts.push(parseAnd());
    }
    return parts.length === 1 ? parts[0]! : (o) => parts.some((p) => p(o));
  };
  const parseAnd = (): Predicate => {
    const parts = [parseUnary()];
    while (peekWord() === 'and') {
      i++;
      parts.push(parseUnary());
    }
    return parts.length === 1 ? parts[0]! : (o) => parts.every((p) => p(o));
  };
  const parseUnary = (): Predicate => {
    const tok = toks[i];
    if (!tok) throw new FilterError('unexpected end of expression');
    if (tok.t === '(') {
      i++;
      const inner = parseOr();
      if (toks[i]?.t !== ')') throw new FilterError('missing )');
      i++;
      return inner;
    }
    if (tok.t !== 'word') throw new FilterError(`unexpected ${tok.v}`);
    const attr = tok.v;
    if (allowed && !allowed.includes(attr)) throw new FilterError(`filtering on ${attr} is not supported`);
    i++;
    const opTok = toks[i];
    const op = opTok?.t === 'word' ? opTok.v.toLowerCase() : '';
    if (!OPS.has(op)) throw new FilterError(`expected an operator after ${attr}`);
    i++;
    if (op === 'pr') return (o) => compare('pr', lookup(o, attr), undefined);
    const valTok = toks[i];
    if (!valTok) throw new FilterError(`expected a value after ${attr} ${op}`);
    i++;
    let value: unknown;
    if (valTok.t === 'str') value = valTok.v;
    else if (valTok.t === 'word' && /^(true|false|null)$/i.test(valTok.v)) value = JSON.parse(valTok.v.toLowerCase());
    else if (valTok.t === 'word' && /^-?\d+(\.\d+)?$/.test(valTok.v)) value = Number(valTok.v);
    else throw new FilterError(`bad value ${valTok.v}`);
    return (o) => compare(op, lookup(o, attr), value);
  };

  const pred = parseOr();
  if (i !== toks.length) throw new FilterError(`unexpected ${toks[i]!.v}`);
  return pred;
}
