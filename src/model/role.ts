/** A role; `rank` orders privilege for the highest-privilege combining mode (higher = more privileged). */
export interface Role {
  readonly name: string;
  readonly rank: number;
  readonly description?: string;
}
