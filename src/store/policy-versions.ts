import type { PolicyVersion } from '../model/policy-version.js';
import type { Db } from './open-database.js';

/** Every distinct policy text by hash, and when each came into force. */
export class PolicyVersions {
  constructor(private readonly db: Db) {}

  /** Stores the text (once per hash) and records its activation unless it is already in force. */
  activate(hash: string, text: string, at: number): void {
    this.db
      .transaction(() => {
        this.db.prepare('INSERT OR IGNORE INTO policy_versions (hash, first_seen_at, text) VALUES (?, ?, ?)').run(hash, at, text);
        const current = this.db.prepare('SELECT hash, activated_at FROM policy_activations ORDER BY id DESC LIMIT 1').get() as { hash: string; activated_at: number } | undefined;
        if (current?.hash !== hash) this.db.prepare('INSERT INTO policy_activations (activated_at, hash) VALUES (?, ?)').run(Math.max(at, current?.activated_at ?? 0), hash);
      })
      .immediate();
  }

  /** The latest activation time (ms), or null before any. */
  lastActivatedAt(): number | null {
    return (this.db.prepare('SELECT max(activated_at) FROM policy_activations').pluck().get() as number | null) ?? null;
  }

  byHash(hash: string): PolicyVersion | null {
    const r = this.db.prepare('SELECT hash, first_seen_at AS firstSeenAt, text FROM policy_versions WHERE hash = ?').get(hash) as PolicyVersion | undefined;
    return r ?? null;
  }

  /** The policy in force now (the latest activation). */
  current(): PolicyVersion | null {
    const r = this.db
      .prepare('SELECT v.hash, v.first_seen_at AS firstSeenAt, v.text FROM policy_activations a JOIN policy_versions v ON v.hash = a.hash ORDER BY a.id DESC LIMIT 1')
      .get() as PolicyVersion | undefined;
    return r ?? null;
  }

  /** The policy in force at `time` (ms). */
  at(time: number): PolicyVersion | null {
    const r = this.db
      .prepare(
        `SELECT v.hash, v.first_seen_at AS firstSeenAt, v.text FROM policy_activations a JOIN policy_versions v ON v.hash = a.hash
         WHERE a.activated_at <= ? ORDER BY a.activated_at DESC, a.id DESC LIMIT 1`,
      )
      .get(time) as PolicyVersion | undefined;
    return r ?? null;
  }
}
