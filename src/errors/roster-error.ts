import { ERROR_CODES, type ErrorCode } from './error-codes.js';

/** The one error type Roster raises on purpose: a code from the table plus the context it names. */
export class RosterError extends Error {
  readonly code: ErrorCode;
  readonly context: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, context: Readonly<Record<string, unknown>> = {}) {
    super(formatMessage(ERROR_CODES[code].message, context));
    this.name = 'RosterError';
    this.code = code;
    this.context = context;
  }

  get status(): number {
    return ERROR_CODES[this.code].status;
  }

  get exitCode(): number {
    return ERROR_CODES[this.code].exit;
  }
}

function formatMessage(template: string, context: Readonly<Record<string, unknown>>): string {
  return template.replace(/\{(\w+)\}/g, (_, key: string) => {
    const v = context[key];
    return v === undefined ? '' : String(v);
  });
}
