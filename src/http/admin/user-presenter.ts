import { Type } from '@sinclair/typebox';
import { DEFAULT_PAGE, MAX_PAGE } from './user-json.js';

/** The schemas of the admin API's users; the shapes themselves come from user-json.ts (the CLI prints them too). */
export { adminUser, adminUserDetail, adminUserPage, DEFAULT_PAGE, MAX_PAGE } from './user-json.js';

const DateTime = Type.String({ format: 'date-time' });
const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

/** A user as the admin API and `gatehouse users … --format json` show them (snake_case). */
export const AdminUser = Type.Object({
  id: Type.String(),
  numeric_id: Type.Integer(),
  email: Type.String(),
  username: Nullable(Type.String()),
  display_name: Nullable(Type.String()),
  roles: Type.Array(Type.String()),
  default_role: Type.String(),
  realm: Type.String(),
  active: Type.Boolean(),
  disabled: Type.Boolean(),
  banned_until: Nullable(DateTime),
  ban_reason: Nullable(Type.String()),
  mfa_enabled: Type.Boolean(),
  created_at: DateTime,
  last_login_at: Nullable(DateTime),
  last_seen_at: Nullable(DateTime),
  sign_in_count: Type.Integer({ description: 'successful sign-ins' }),
});

/** One user with their metadata (`GET /admin/users/:id`, `PATCH /admin/users/:id`); lists leave it out. */
export const AdminUserDetail = Type.Object({
  ...AdminUser.properties,
  metadata: Type.Record(Type.String(), Type.Unknown(), { description: 'the JSON object the user carries' }),
});

export const NextCursor = Nullable(
  Type.String({ description: 'Pass as `cursor` for the next page; null on the last' }),
);

/** `limit` and `cursor`, as every keyset-paged admin list takes them. */
export const PageQuery = Type.Object({
  limit: Type.Optional(
    Type.String({ pattern: '^[0-9]{1,4}$', description: `1 to ${MAX_PAGE}, default ${DEFAULT_PAGE}` }),
  ),
  cursor: Type.Optional(Type.String({ maxLength: 400, description: 'next_cursor of the previous page' })),
});

export const AdminUserPage = Type.Object({ users: Type.Array(AdminUser), next_cursor: NextCursor });
