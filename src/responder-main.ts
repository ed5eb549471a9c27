/**
 * Entry point of the decision responder process (RESPONDER_PROCESS.entry), forked by the daemon:
 *   node dist/src/responder-main.js -c <config> [--log-level <level>]
 * Kept apart from the CLI so the process loads only what answers decisions.
 */
import { parseArgs } from 'node:util';
import { runResponder } from './run-responder.js';

const { values } = parseArgs({ options: { config: { type: 'string', short: 'c' }, 'log-level': { type: 'string' } } });
if (!values.config) {
  console.error('usage: responder-main.js -c <config> [--log-level <level>]');
  process.exit(2);
}
await runResponder(values.config, values['log-level']);
