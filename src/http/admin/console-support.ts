import path from 'node:path';
import { Type } from '@sinclair/typebox';
import { effectiveSettings } from '../../config/effective.js';
import { errors } from '../../core/errors.js';
import { createOutbox, OUTBOX_NAME } from '../../mail/outbox.js';
import type { Services } from '../../services.js';
import { responses } from '../schemas.js';
import type { App } from '../types.js';

const Setting = Type.Object({
  name: Type.String(),
  value: Type.Union([Type.String(), Type.Null()], { description: 'null when unset; secrets are masked' }),
  explicit: Type.Boolean({ description: 'set in the environment rather than left at its default' }),
  secret: Type.Boolean(),
  doc: Type.String(),
});
const Entry = {
  name: Type.String(),
  at: Type.String({ format: 'date-time' }),
  size: Type.Integer(),
  to: Type.String(),
  subject: Type.String(),
};
const Mail = Type.Object({
  ...Entry,
  from: Type.String(),
  text: Type.String(),
  html: Type.Union([Type.String(), Type.Null()]),
  links: Type.Array(Type.String()),
});

/**
 * What the admin console needs beyond the user API: the effective configuration and the
 * embedded mode's outbox. Registered inside the admin API's guarded context.
 */
export async function consoleSupport(app: App, s: Services) {
  const tags = ['admin'];
  const outbox = createOutbox(path.join(s.config.dataDir, 'outbox'));
  const mode = () => (s.config.mail.smtp ? ('smtp' as const) : ('outbox' as const));

  app.get(
    '/config',
    {
      schema: {
        tags,
        summary: 'The configuration in force, every variable with its value; secrets masked',
        response: responses({ 200: Type.Object({ settings: Type.Array(Setting) }) }, 401, 403),
      },
    },
    async () => ({
      settings: effectiveSettings(s.config),
    }),
  );

  app.get(
    '/outbox',
    {
      schema: {
        tags,
        summary: 'Mails written to DATA_DIR/outbox (embedded mode, no SMTP_HOST), newest first',
        response: responses(
          {
            200: Type.Object({
              mode: Type.Union([Type.Literal('outbox'), Type.Literal('smtp')]),
              entries: Type.Array(Type.Object(Entry)),
            }),
          },
          401,
          403,
        ),
      },
    },
    async () => ({
      mode: mode(),
      entries: mode() === 'smtp' ? [] : (await outbox.list()).map((e) => ({ ...e, at: e.at.toISOString() })),
    }),
  );

  app.get(
    '/outbox/:name',
    {
      schema: {
        tags,
        summary: 'One outbox mail, parsed: headers, text, HTML and its links',
        params: Type.Object({ name: Type.String({ pattern: OUTBOX_NAME }) }),
        response: responses({ 200: Mail }, 400, 401, 403, 404),
      },
    },
    async (request) => {
      const mail = mode() === 'outbox' ? await outbox.read(request.params.name) : undefined;
      if (!mail) throw errors.notFound('No such mail in the outbox');
      return { ...mail, at: mail.at.toISOString() };
    },
  );
}
