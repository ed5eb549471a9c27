import { LineCounter, parseDocument } from 'yaml';
import type { ConfigIssue } from './config-issue.js';

export interface YamlDocument {
  readonly raw: unknown;
  /** The line of the node at a path (or of its nearest ancestor that exists). */
  lineOf(path: readonly (string | number)[]): number | undefined;
}

/** Parses YAML keeping positions, so later validation errors can name lines. */
export function parseYamlDocument(text: string): { doc: YamlDocument } | { issues: ConfigIssue[] } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) {
    return { issues: doc.errors.map((e) => ({ path: '', line: lines.linePos(e.pos[0]).line, message: `YAML syntax: ${e.message.split('\n')[0]}` })) };
  }
  return {
    doc: {
      raw: doc.toJS() ?? {},
      lineOf: (p) => {
        for (let n = p.length; n >= 0; n--) {
          const node = doc.getIn(p.slice(0, n), true) as { range?: [number, number, number] } | undefined;
          if (node && typeof node === 'object' && node.range) return lines.linePos(node.range[0]).line;
        }
        return undefined;
      },
    },
  };
}
