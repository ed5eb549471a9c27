/** A route compiled for matching. */
export interface CompiledRoute {
  readonly name: string;
  readonly methods: ReadonlySet<string> | null;
  /** resource attribute -> accepted values. */
  readonly resource: readonly (readonly [string, ReadonlySet<string>])[];
  readonly failOpen: boolean;
}
