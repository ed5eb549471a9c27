import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import type { SecretRef } from '../../connectors/connector.js';
import { RosterError } from '../errors/roster-error.js';

/** A secret is never written inline: it is a file (mode 0600, say) or an environment variable. */
export const secretRefSchema = z.union([
  z.object({ file: z.string().min(1) }).strict(),
  z.object({ env: z.string().min(1) }).strict(),
], { error: 'expected a secret reference: { file: PATH } or { env: VARIABLE } (inline secrets are not accepted)' });

/** Reads a secret; errors name the reference (path or variable), never a value. */
export function readSecret(ref: SecretRef, baseDir: string, where: string): string {
  if ('file' in ref) {
    const path = resolve(baseDir, ref.file);
    try {
      return readFileSync(path, 'utf8').replace(/\r?\n$/, '');
    } catch (err) {
      throw new RosterError('ROSTER_ERR_SECRET_UNAVAILABLE', { ref: `file ${path}`, where, cause: (err as NodeJS.ErrnoException).code ?? 'unreadable' });
    }
  }
  const value = process.env[ref.env];
  if (value === undefined || value === '') {
    throw new RosterError('ROSTER_ERR_SECRET_UNAVAILABLE', { ref: `env ${ref.env}`, where, cause: 'variable is not set' });
  }
  return value;
}
