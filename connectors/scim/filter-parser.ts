import { badRequest, type ScimType } from './scim-error.js';
import { COMPARE_OPS, type AttrPath, type CompareOp, type CompValue, type Filter, type PatchPath } from './filter-ast.js';

/** Longest filter or path accepted, and deepest nesting of parentheses and brackets. */
export const MAX_FILTER_LENGTH = 8192;
export const MAX_FILTER_DEPTH = 32;

const ATTR_NAME = /^\$?[A-Za-z][A-Za-z0-9_$-]*$/;
const PATH_CHAR = /[A-Za-z0-9_$:.\-]/;
const OPS: ReadonlySet<string> = new Set(COMPARE_OPS);

/**
 * Splits `urn:…:User:name.givenName` into urn, attribute and sub-attribute. `knownUrns` are whole
 * schema URNs; a token equal to one names the extension itself (`attr` is then empty).
 */
export function splitAttrPath(token: string, knownUrns: readonly string[] = [], errorType: ScimType = 'invalidFilter'): AttrPath {
  const bad = (why: string) => badRequest(errorType, `invalid attribute path "${token}": ${why}`);
  if (knownUrns.some((u) => u.toLowerCase() === token.toLowerCase())) return { urn: token, attr: '' };
  let urn: string | undefined;
  let rest = token;
  if (/^urn:/i.test(token)) {
    const cut = token.lastIndexOf(':');
    urn = token.slice(0, cut);
    rest = token.slice(cut + 1);
    if (!urn || !rest) throw bad('a schema URN must be followed by ":" and an attribute name');
  }
  const parts = rest.split('.');
  if (parts.length > 2) throw bad('at most one sub-attribute');
  const [attr, sub] = parts as [string, string | undefined];
  if (!ATTR_NAME.test(attr)) throw bad(`"${attr}" is not an attribute name`);
  if (sub !== undefined && !ATTR_NAME.test(sub)) throw bad(`"${sub}" is not a sub-attribute name`);
  return { ...(urn ? { urn } : {}), attr, ...(sub !== undefined ? { sub } : {}) };
}

/** Parses a filter; any error is a 400 `invalidFilter` naming the position. */
export function parseFilter(text: string, knownUrns: readonly string[] = []): Filter {
  const p = new Parser(text, 'invalidFilter', knownUrns);
  const f = p.filter();
  p.end();
  return f;
}

/** Parses a PATCH `path`; errors are 400 `invalidPath`. */
export function parsePatchPath(text: string, knownUrns: readonly string[] = []): PatchPath {
  const p = new Parser(text, 'invalidPath', knownUrns);
  const out = p.patchPath();
  p.end();
  return out;
}

class Parser {
  private pos = 0;
  private depth = 0;
  private inValuePath = false;

  constructor(
    private readonly text: string,
    private readonly errorType: ScimType,
    private readonly knownUrns: readonly string[],
  ) {
    if (text.length > MAX_FILTER_LENGTH) throw badRequest(errorType, `longer than ${MAX_FILTER_LENGTH} characters`);
    if (text.trim() === '') throw badRequest(errorType, 'empty');
  }

  filter(): Filter {
    let left = this.conjunction();
    while (this.keyword('or')) left = { kind: 'or', left, right: this.conjunction() };
    return left;
  }

  patchPath(): PatchPath {
    this.ws();
    const path = this.attrPath();
    if (this.peek() !== '[') return path;
    if (path.sub) throw this.error('a value filter must follow the attribute, not its sub-attribute');
    const filter = this.valueFilter();
    if (this.peek() !== '.') return { ...path, filter };
    this.pos++;
    return { ...path, filter, sub: this.subAttrName() };
  }

  end(): void {
    this.ws();
    if (this.pos < this.text.length) throw this.error(`unexpected "${this.text.slice(this.pos, this.pos + 20)}"`);
  }

  private conjunction(): Filter {
    let left = this.unary();
    while (this.keyword('and')) left = { kind: 'and', left, right: this.unary() };
    return left;
  }

  private unary(): Filter {
    this.ws();
    if (this.peek() === '(') return this.parenthesized();
    const save = this.pos;
    if (this.word().toLowerCase() === 'not') {
      this.ws();
      if (this.peek() === '(') return { kind: 'not', filter: this.parenthesized() };
    }
    this.pos = save;
    return this.attrExp();
  }

  private parenthesized(): Filter {
    this.enter();
    this.pos++; // (
    const f = this.filter();
    this.ws();
    if (this.peek() !== ')') throw this.error('expected ")"');
    this.pos++;
    this.depth--;
    return f;
  }

  private attrExp(): Filter {
    const path = this.attrPath();
    if (this.peek() === '[') {
      if (path.sub) throw this.error('a value filter must follow the attribute, not its sub-attribute');
      const filter = this.valueFilter();
      if (this.peek() !== '.') return { kind: 'valuePath', path, filter };
      // `emails[type eq "work"].value eq "x"` (Entra matches users this way): some element that
      // matches the value filter has a sub-attribute that matches the comparison.
      this.pos++;
      const sub = this.subAttrName();
      return { kind: 'valuePath', path, filter: { kind: 'and', left: filter, right: this.comparison({ attr: sub }) } };
    }
    return this.comparison(path);
  }

  private comparison(path: AttrPath): Filter {
    if (!this.ws()) throw this.error('expected an operator after the attribute path');
    const op = this.word().toLowerCase();
    if (op === 'pr') return { kind: 'present', path };
    if (!OPS.has(op)) throw this.error(op ? `unknown operator "${op}"` : 'expected an operator');
    if (!this.ws()) throw this.error('expected a value after the operator');
    return { kind: 'compare', op: op as CompareOp, path, value: this.compValue() };
  }

  private subAttrName(): string {
    const start = this.pos;
    while (this.pos < this.text.length && /[A-Za-z0-9_$-]/.test(this.text[this.pos]!)) this.pos++;
    const sub = this.text.slice(start, this.pos);
    if (!/^\$?[A-Za-z][A-Za-z0-9_$-]*$/.test(sub)) throw this.error('expected a sub-attribute name after "]."');
    return sub;
  }

  private valueFilter(): Filter {
    if (this.inValuePath) throw this.error('value filters cannot be nested');
    this.enter();
    this.pos++; // [
    this.inValuePath = true;
    const f = this.filter();
    this.inValuePath = false;
    this.ws();
    if (this.peek() !== ']') throw this.error('expected "]"');
    this.pos++;
    this.depth--;
    return f;
  }

  private attrPath(): AttrPath {
    const start = this.pos;
    while (this.pos < this.text.length && PATH_CHAR.test(this.text[this.pos]!)) this.pos++;
    const token = this.text.slice(start, this.pos);
    if (!token) throw this.error('expected an attribute path');
    const path = splitAttrPath(token, this.knownUrns, this.errorType);
    if (this.inValuePath && (path.urn || path.sub)) throw this.error('inside a value filter, name a sub-attribute only');
    if (!path.attr) throw this.error('a schema URN alone is not an attribute');
    return path;
  }

  private compValue(): CompValue {
    const c = this.peek();
    if (c === '"' || c === "'") return this.quoted(c);
    const num = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(this.text.slice(this.pos));
    if (num && !/[A-Za-z0-9_]/.test(this.text[this.pos + num[0].length] ?? '')) {
      this.pos += num[0].length;
      return Number(num[0]);
    }
    const w = this.word().toLowerCase();
    if (w === 'true') return true;
    if (w === 'false') return false;
    if (w === 'null') return null;
    throw this.error('expected a value: a "string", a number, true, false or null');
  }

  /** A JSON string (double quotes), or leniently a single-quoted one. */
  private quoted(q: string): string {
    const start = this.pos;
    this.pos++;
    let raw = '';
    while (this.pos < this.text.length && this.text[this.pos] !== q) {
      if (this.text[this.pos] === '\\') raw += this.text[this.pos++];
      raw += this.text[this.pos++] ?? '';
    }
    if (this.pos >= this.text.length) {
      this.pos = start;
      throw this.error('unterminated string');
    }
    this.pos++;
    if (q === "'") return raw.replace(/\\(['\\])/g, '$1');
    try {
      return JSON.parse(`"${raw}"`) as string;
    } catch {
      this.pos = start;
      throw this.error('invalid escape in string');
    }
  }

  /** Consumes `and`/`or` when it follows as a whole word; otherwise leaves the position. */
  private keyword(kw: string): boolean {
    const save = this.pos;
    if (this.ws() && this.word().toLowerCase() === kw && (this.ws() || this.peek() === '(')) return true;
    this.pos = save;
    return false;
  }

  private word(): string {
    const start = this.pos;
    while (this.pos < this.text.length && /[A-Za-z]/.test(this.text[this.pos]!)) this.pos++;
    return this.text.slice(start, this.pos);
  }

  /** Skips blanks; true when there were some. */
  private ws(): boolean {
    const start = this.pos;
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos]!)) this.pos++;
    return this.pos > start;
  }

  private peek(): string | undefined {
    return this.text[this.pos];
  }

  private enter(): void {
    if (++this.depth > MAX_FILTER_DEPTH) throw this.error(`nested deeper than ${MAX_FILTER_DEPTH}`);
  }

  private error(why: string) {
    return badRequest(this.errorType, `${this.errorType === 'invalidPath' ? 'invalid path' : 'invalid filter'} at position ${this.pos + 1}: ${why}`);
  }
}
