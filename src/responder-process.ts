import { fileURLToPath } from 'node:url';

/**
 * How the daemon starts its decision responder (and how the benchmarks start it, so they measure
 * what runs):
 * - `entry`: a script of its own (responder-main.ts), not the CLI: the CLI imports every command,
 *   and through the daemon command every connector and its SDK (Okta's, MSAL, ldapts), which the
 *   responder never uses: ~25 MB of its heap with 100k users loaded.
 * - `execArgv`: a small young generation keeps its footprint near its index (scavenges run more
 *   often, each briefly): with 100k users, ~286 MB RSS at start with V8's default, ~241 MB with this.
 */
export const RESPONDER_PROCESS: { readonly entry: string; readonly execArgv: readonly string[] } = {
  entry: fileURLToPath(new URL('./responder-main.js', import.meta.url)),
  execArgv: ['--max-semi-space-size=2'],
};
