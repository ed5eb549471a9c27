import { ERROR_CODES, EXIT } from './error-codes.js';

const EXIT_MEANING: Readonly<Record<keyof typeof EXIT, string>> = {
  ok: 'success',
  failure: 'the operation failed (see the message)',
  usage: 'bad arguments or an unreadable TIME',
  config: 'the configuration is invalid or a secret is unavailable',
  notFound: 'an unknown subject, role, source or version',
  store: 'the store cannot be opened, is locked by another writer, or is damaged',
  mismatch: 'a check found a mismatch (policy tests, audit verify, replay)',
  held: 'a guard held a sync (empty snapshot, mass deletion)',
  denied: '`decide` / `explain`: the decision is deny',
};

/** docs/errors.md, rendered from the error table (`npm run docs:errors`). */
export function renderErrorDocs(): string {
  const lines = [
    '# Error codes',
    '',
    'Every error Roster reports carries one of these codes. The sockets answer with the HTTP status and a body',
    '`{"error": {"code": "...", "message": "..."}}`; the CLI prints the message and the code and exits with the exit code.',
    'Generated from `src/errors/error-codes.ts` by `npm run docs:errors`; a test keeps the two in step.',
    '',
    '| code | HTTP | exit | message |',
    '|---|---|---|---|',
    ...Object.entries(ERROR_CODES).map(([code, s]) => `| \`${code}\` | ${s.status} | ${s.exit} | ${s.message.replace(/\|/g, '\\|')} |`),
    '',
    '## CLI exit codes',
    '',
    '| exit | meaning |',
    '|---|---|',
    ...Object.entries(EXIT).map(([k, v]) => `| ${v} | ${EXIT_MEANING[k as keyof typeof EXIT]} |`),
    '',
  ];
  return lines.join('\n');
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) process.stdout.write(renderErrorDocs());
