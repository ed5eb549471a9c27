// A cell a spreadsheet would read as a formula (OWASP "CSV injection"): =, +, -, @, tab, CR first.
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One RFC 4180 CSV line: fields with commas, quotes or line breaks are quoted, quotes doubled.
 * CSV is for reviewers' spreadsheets, so a field that would start a formula (a subject named
 * `=HYPERLINK(…)`) gets a leading `'`, which spreadsheets show as text, and a field with a `;`
 * is quoted too (where `;` separates cells, `x;=cmd` would otherwise start a cell with `=`). The
 * JSON outputs stay verbatim and are the exact record.
 */
export function csvLine(fields: readonly string[]): string {
  let out = '';
  for (let i = 0; i < fields.length; i++) {
    let f = fields[i]!;
    if (i) out += ',';
    if (FORMULA_START.test(f)) f = `'${f}`;
    out += /[",;\r\n]/.test(f) ? `"${f.replace(/"/g, '""')}"` : f;
  }
  return out + '\n';
}
