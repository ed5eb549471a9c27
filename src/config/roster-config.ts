import type { RawConfig } from './config-schema.js';

/** The validated configuration with every relative path resolved against the config file's folder. */
export interface RosterConfig extends Omit<RawConfig, 'decisionLog'> {
  readonly decisionLog: RawConfig['decisionLog'] & { readonly path: string };
  readonly file: string;
  readonly baseDir: string;
  /** Connector options as each connector's own schema parsed them, by source id. */
  readonly sourceOptions: ReadonlyMap<string, unknown>;
}
