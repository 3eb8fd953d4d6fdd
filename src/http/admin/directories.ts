import { Type } from '@sinclair/typebox';
import {
  DirectoryFields,
  DirectoryInput,
  NamedDirectoryInput,
  RealmName,
} from '../../core/directories/settings-schema.js';
import { settingsOf, type Directory } from '../../core/directories/settings.js';
import { errors } from '../../core/errors.js';
import type { Services } from '../../services.js';
import { NoContent, responses } from '../schemas.js';
import type { App } from '../types.js';

const { bind_password: _writeOnly, ...shown } = DirectoryFields;
const DirectoryOut = Type.Object({
  realm: Type.String(),
  source: Type.Union([Type.Literal('api'), Type.Literal('file')], {
    description: 'file: from DIRECTORIES_FILE, read-only here',
  }),
  has_bind_password: Type.Boolean(),
  ...shown,
});
const Realm = Type.Object({ realm: RealmName });
const out = (d: Directory) => ({
  realm: d.realm,
  source: d.source,
  has_bind_password: d.bindPassword !== null,
  ...settingsOf(d),
});
const tags = ['admin', 'directories'];

/** /admin/directories: LDAP directories behind realms, their links to local users, and the periodic check on demand. */
export function registerDirectoryRoutes(app: App, s: Services) {
  const { store } = s.directories;

  app.get(
    '/directories',
    {
      schema: {
        tags,
        summary: 'List directories (bind passwords are never shown)',
        response: responses({ 200: Type.Array(DirectoryOut) }, 401, 403),
      },
    },
    async () => (await store.list()).map(out),
  );

  app.post(
    '/directories',
    {
      schema: {
        tags,
        summary: 'Add a directory behind a realm (the realm is created if needed)',
        body: NamedDirectoryInput,
        response: responses({ 201: DirectoryOut }, 400, 401, 403, 409),
      },
    },
    async (request, reply) => {
      const { realm, ...input } = request.body;
      if (await store.get(realm))
        throw errors.directoryExists(
          `Realm ${realm} has a directory already; PUT /admin/directories/${realm} replaces it`,
        );
      return reply.code(201).send(out((await store.put(realm, input)).directory));
    },
  );

  app.get(
    '/directories/:realm',
    {
      schema: {
        tags,
        summary: 'One directory',
        params: Realm,
        response: responses({ 200: DirectoryOut }, 400, 401, 403, 404),
      },
    },
    async (request) => {
      const d = await store.get(request.params.realm);
      if (!d) throw errors.notFound(`No directory for realm ${request.params.realm}`);
      return out(d);
    },
  );

  app.put(
    '/directories/:realm',
    {
      schema: {
        tags,
        summary: 'Create or replace a directory; without bind_password the stored one is kept',
        params: Realm,
        body: DirectoryInput,
        response: responses({ 200: DirectoryOut, 201: DirectoryOut }, 400, 401, 403, 409),
      },
    },
    async (request, reply) => {
      const { created, directory } = await store.put(request.params.realm, request.body);
      return reply.code(created ? 201 : 200).send(out(directory));
    },
  );

  app.delete(
    '/directories/:realm',
    {
      schema: {
        tags,
        summary: 'Remove a directory; its users stay as local accounts without a password',
        params: Realm,
        response: responses({ 204: NoContent }, 400, 401, 403, 404, 409),
      },
    },
    async (request, reply) => {
      await store.remove(request.params.realm);
      return reply.code(204).send();
    },
  );

  app.post(
    '/directories/:realm/links',
    {
      schema: {
        tags,
        summary: 'Link a local account to a directory entry, so that the entry signs it in',
        params: Realm,
        body: Type.Object({
          user_id: Type.String({ format: 'uuid' }),
          login: Type.String({ minLength: 1, maxLength: 256 }),
        }),
        response: responses({ 204: NoContent }, 400, 401, 403, 404, 409, 503),
      },
    },
    async (request, reply) => {
      await s.directories.link(request.params.realm, request.body.user_id, request.body.login);
      return reply.code(204).send();
    },
  );

  app.post(
    '/directories/sync',
    {
      schema: {
        tags,
        summary: 'Run the periodic check now: end the sessions of users gone from their directory',
        response: responses(
          {
            200: Type.Object({
              checked: Type.Integer(),
              ended: Type.Array(Type.String()),
              unreachable: Type.Array(Type.String()),
            }),
          },
          401,
          403,
        ),
      },
    },
    async () => s.directories.sync(),
  );
}
