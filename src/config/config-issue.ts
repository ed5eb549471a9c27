/** One problem in a config file: where (path inside the file, line when known) and what. */
export interface ConfigIssue {
  readonly path: string;
  readonly line?: number;
  readonly message: string;
}

export const formatIssue = (file: string, i: ConfigIssue): string =>
  `${file}${i.line ? `:${i.line}` : ''}: ${i.path || '(top level)'}: ${i.message}`;
