/** Who performs an action, for the audit log and for permission checks in the core. */
export interface Actor {
  kind: 'user' | 'admin-secret' | 'cli' | 'system';
  /** The acting user's id, when a user acts. */
  id: string | null;
  ip?: string | null;
  userAgent?: string | null;
}

export const actorName = (a: Actor): string => (a.kind === 'user' && a.id ? a.id : a.kind);

export const SYSTEM: Actor = { kind: 'system', id: null };
export const CLI: Actor = { kind: 'cli', id: null };
