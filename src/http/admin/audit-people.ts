import { Type } from '@sinclair/typebox';
import type { Services } from '../../services.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Who an actor or subject id is, for people reading the log: their email and name (null once deleted). */
export const Person = Type.Union([
  Type.Object({ email: Type.String(), display_name: Type.Union([Type.String(), Type.Null()]) }),
  Type.Null(),
]);

type Entry = { actor: string | null; subject: string | null };

/**
 * Adds `actor_user` and `subject_user` to each entry whose actor or subject is a user id: one lookup per
 * distinct id of the page (at most two per entry), by primary key.
 */
export async function withPeople<E extends Entry>(s: Services, page: { entries: E[]; next_cursor: string | null }) {
  const ids = [
    ...new Set(page.entries.flatMap((e) => [e.actor, e.subject]).filter((v): v is string => !!v && UUID.test(v))),
  ];
  const users = await Promise.all(ids.map((id) => s.users.get(id)));
  const people = new Map(
    ids.map((id, i) => [id, users[i] ? { email: users[i]!.email, display_name: users[i]!.displayName } : null]),
  );
  const person = (v: string | null) => (v && people.get(v)) ?? null;
  return {
    ...page,
    entries: page.entries.map((e) => ({ ...e, actor_user: person(e.actor), subject_user: person(e.subject) })),
  };
}
