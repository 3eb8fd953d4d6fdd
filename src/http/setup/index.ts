import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { errors } from '../../core/errors.js';
import type { Services } from '../../services.js';
import { Email } from '../native/auth/schemas.js';
import { responses } from '../schemas.js';
import type { App } from '../types.js';

const SetupBody = Type.Object(
  {
    token: Type.String({ minLength: 1, maxLength: 200, description: 'The token of the setup link (after #token=)' }),
    email: Email,
    password: Type.String({ minLength: 1, maxLength: 1024 }),
    display_name: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);

const SetupState = Type.Object({
  open: Type.Boolean({ description: 'A setup link is waiting to be used' }),
  needs_admin: Type.Boolean({ description: 'No user has the admin role and no ADMIN_SECRET is set' }),
});

const CreatedAdmin = Type.Object({ id: Type.String(), email: Type.String() });

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;

/**
 * First run: the page at /console/setup (the link printed at start) creates the first admin here. Only from
 * loopback unless SETUP_ALLOW_REMOTE: the link is in the server's log, and the log may travel.
 */
export function registerSetupRoutes(app: App, s: Services) {
  const local = (request: FastifyRequest) => {
    if (!s.config.operators.setup.allowRemote && !LOOPBACK.test(request.ip)) throw errors.setupNotLocal();
  };
  app.get(
    '/setup',
    {
      schema: {
        tags: ['setup'],
        summary: 'Whether the first-run setup is waiting',
        response: responses({ 200: SetupState }, 403),
      },
    },
    async (request) => {
      local(request);
      return { open: await s.firstRun.setupOpen(), needs_admin: await s.firstRun.needsAdmin() };
    },
  );
  app.post(
    '/setup/admin',
    {
      schema: {
        tags: ['setup'],
        summary: "Create the first admin with the setup link's token (single use)",
        body: SetupBody,
        response: responses({ 201: CreatedAdmin }, 400, 403, 409),
      },
    },
    async (request, reply) => {
      local(request);
      const { token, email, password, display_name } = request.body;
      const admin = await s.firstRun.completeSetup(
        token,
        { email, password, displayName: display_name },
        { ip: request.ip, userAgent: request.headers['user-agent'] },
      );
      return reply.code(201).send({ id: admin.id, email: admin.email });
    },
  );
}
