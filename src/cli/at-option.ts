import type { At } from '../compliance/compliance-service.js';
import { parseTimeArg } from './parse-time.js';

/** `--at` as the compliance queries take it: absent = now. */
export const atOf = (input: string | undefined): At => (input === undefined ? { time: Date.now() } : parseTimeArg(input));
