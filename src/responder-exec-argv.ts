/**
 * Node flags the daemon forks its decision responder with (and the benchmarks, so they measure
 * what runs): a small young generation keeps the responder's footprint near its index (scavenges
 * run more often, each briefly). Measured with 100k users loaded: ~286 MB RSS at start with the
 * default young generation, ~241 MB with this.
 */
export const RESPONDER_EXEC_ARGV: readonly string[] = ['--max-semi-space-size=2'];
