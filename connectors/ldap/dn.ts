/**
 * DN matching. Member attributes name members by DN, written however the directory stored them
 * (`CN=Alice, OU=People`, `cn=alice,ou=people`, `cn=Jos\C3\A9`...); both sides go through
 * `normalizeDn` before they are compared.
 */

const NEEDS_ESCAPE = new Set([',', '+', '"', '\\', '<', '>', ';']);

/**
 * Canonical form of a DN: attribute types and values lower-cased, blanks around `,` `+` `=`
 * dropped, escapes (`\,` `\C3\A9`) decoded and re-encoded one way.
 */
export function normalizeDn(dn: string): string {
  if (dn.indexOf('\\') === -1 && dn.indexOf('"') === -1) {
    // The common case (a million member values in a big directory): no escapes, often no blanks.
    return (dn.indexOf(' ') === -1 ? dn : dn.replace(/\s*([,+=])\s*/g, '$1').trim()).toLowerCase();
  }
  return parseDn(dn)
    .map((rdn) => rdn.map(([type, value]) => `${type.trim().toLowerCase()}=${escapeValue(value.toLowerCase())}`).join('+'))
    .join(',');
}

/** Whether `dn` is `base` or lies below it (both normalized here). */
export function isUnder(dn: string, base: string): boolean {
  const d = normalizeDn(dn);
  const b = normalizeDn(base);
  return d === b || d.endsWith(',' + b);
}

/** The parent of a DN, or null for a single RDN. */
export function parentDn(dn: string): string | null {
  for (let i = 0; i < dn.length; i++) {
    if (dn[i] === '\\') i++;
    else if (dn[i] === ',') return dn.slice(i + 1).trim();
  }
  return null;
}

function escapeValue(v: string): string {
  let out = '';
  for (let i = 0; i < v.length; i++) {
    const c = v[i]!;
    if (NEEDS_ESCAPE.has(c) || ((i === 0 || i === v.length - 1) && c === ' ') || (i === 0 && c === '#')) out += '\\' + c;
    else out += c;
  }
  return out;
}

/** RDNs of a DN as [type, decoded value] pairs (RFC 4514 escapes; quoted values tolerated). */
function parseDn(dn: string): [string, string][][] {
  const rdns: [string, string][][] = [];
  let rdn: [string, string][] = [];
  let type = '';
  let bytes: number[] = [];
  let inValue = false;
  let quoted = false;
  const text = (s: string): void => {
    for (const b of Buffer.from(s, 'utf8')) bytes.push(b);
  };
  const endAva = (): void => {
    const raw = Buffer.from(bytes).toString('utf8');
    // Unescaped blanks around a value are not part of it; escaped ones were kept as `\u0001`.
    rdn.push([type, raw.trim().replace(/\u0001/g, ' ')]);
    type = '';
    bytes = [];
    inValue = false;
  };
  for (let i = 0; i < dn.length; i++) {
    const c = dn[i]!;
    if (!inValue) {
      if (c === '=') inValue = true;
      else if (c === ',' || c === '+') continue;
      else type += c;
      continue;
    }
    if (c === '\\' && i + 1 < dn.length) {
      const hex = dn.slice(i + 1, i + 3);
      if (/^[0-9a-fA-F]{2}$/.test(hex)) {
        if (hex === '20') text('\u0001');
        else bytes.push(parseInt(hex, 16));
        i += 2;
      } else {
        const next = dn[++i]!;
        text(next === ' ' ? '\u0001' : next);
      }
    } else if (c === '"') {
      quoted = !quoted;
    } else if (!quoted && (c === ',' || c === '+')) {
      endAva();
      if (c === ',') {
        rdns.push(rdn);
        rdn = [];
      }
    } else {
      text(c);
    }
  }
  if (inValue || type.trim()) endAva();
  if (rdn.length) rdns.push(rdn);
  return rdns;
}
