import { fileURLToPath } from 'node:url';

/**
 * How the daemon starts its decision responder (and how the benchmarks start it, so they measure
 * what runs):
 * - `entry`: a script of its own (responder-main.ts), not the CLI: the CLI imports every command,
 *   and through the daemon command every connector and its SDK (Okta's, MSAL, ldapts), which the
 *   responder never uses: ~25 MB of its heap with 100k users loaded.
 * - `execArgv`: a small young generation keeps its footprint near its index (scavenges run more
 *   often, each briefly): with 100k users, ~286 MB RSS at start with V8's default, ~241 MB with this.
 *   Garbage collection on the main thread only: V8's parallel scavenges and concurrent marking
 *   wait on helper threads, which on a small machine queue behind the provider's apply and the
 *   gateways; during a 100k-user apply, p99 fell from 2.3-3.0 ms to 1.6-1.7 ms (2 of 3 rounds).
 */
export const RESPONDER_PROCESS: { readonly entry: string; readonly execArgv: readonly string[] } = {
  entry: fileURLToPath(new URL('./responder-main.js', import.meta.url)),
  execArgv: ['--max-semi-space-size=2', '--single-threaded-gc'],
};
