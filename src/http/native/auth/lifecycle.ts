import { Type } from '@sinclair/typebox';
import type { Services } from '../../../services.js';
import { registerDisabled } from '../../plugins/feature-gate.js';
import { NoContent, responses } from '../../schemas.js';
import type { App } from '../../types.js';
import { redirectAfterLink } from './link-redirect.js';
import { bodyEmail, mailLimits } from './mail-limits.js';
import { Email, Password, Ticket } from './schemas.js';
import { clientInfo } from './session-reply.js';

const Redirect = Type.Null({ description: 'Redirect (302) to REDIRECT_URL_SUCCESS or REDIRECT_URL_ERROR' });
const EmailBody = Type.Object({ email: Email });

/** The public routes of the mailbox flows: activation, magic links, password reset, email-change confirmation. */
export function registerLifecycleRoutes(app: App, s: Services) {
  const { lifecycle } = s.config;
  const mailLimit = mailLimits(s, bodyEmail);

  app.get(
    '/activate',
    {
      schema: {
        tags: ['account'],
        summary: 'Activate an account from the emailed link',
        querystring: Type.Object({ ticket: Ticket }),
        response: responses({ 302: Redirect }, 400),
      },
    },
    async (request, reply) =>
      redirectAfterLink(reply, s.config, false, () => s.lifecycle.activate(request.query.ticket, clientInfo(request))),
  );

  app.post(
    '/activate/resend',
    {
      schema: {
        tags: ['account'],
        summary: 'Send the activation email again (always 204)',
        body: EmailBody,
        response: responses({ 204: NoContent }, 400, 429),
      },
      preHandler: mailLimit,
    },
    async (request, reply) => {
      s.background.run(() => s.lifecycle.resendActivation(request.body.email));
      return reply.code(204).send();
    },
  );

  if (lifecycle.magicLink) {
    app.get(
      '/magic-link',
      {
        schema: {
          tags: ['account'],
          summary: 'Sign in (or finish registering) from an emailed magic link',
          querystring: Type.Object({
            token: Ticket,
            action: Type.Union([Type.Literal('log-in'), Type.Literal('register')]),
            cookie: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')])),
          }),
          response: responses({ 302: Redirect }, 400),
        },
      },
      async (request, reply) => {
        const { token, action, cookie } = request.query;
        return redirectAfterLink(reply, s.config, cookie === 'true', () =>
          s.lifecycle.useMagicLink(token, action, clientInfo(request)),
        );
      },
    );
  } else registerDisabled(app, 'MAGIC_LINK_ENABLED', [['GET', '/magic-link']]);

  if (lifecycle.lostPassword) {
    app.post(
      '/change-password/request',
      {
        schema: {
          tags: ['account'],
          summary: 'Email a password reset link (always 204)',
          body: EmailBody,
          response: responses({ 204: NoContent }, 400, 429),
        },
        preHandler: mailLimit,
      },
      async (request, reply) => {
        s.background.run(() => s.lifecycle.requestPasswordReset(request.body.email));
        return reply.code(204).send();
      },
    );
    app.post(
      '/change-password/change',
      {
        schema: {
          tags: ['account'],
          summary: 'Set a new password with a reset ticket; every session ends',
          body: Type.Object({ ticket: Ticket, new_password: Password }),
          response: responses({ 204: NoContent }, 400, 401, 409),
        },
      },
      async (request, reply) => {
        await s.lifecycle.resetPassword(request.body.ticket, request.body.new_password);
        return reply.code(204).send();
      },
    );
  } else
    registerDisabled(app, 'LOST_PASSWORD_ENABLED', [
      ['POST', '/change-password/request'],
      ['POST', '/change-password/change'],
    ]);

  if (lifecycle.verifyEmails) {
    app.post(
      '/change-email/change',
      {
        schema: {
          tags: ['account'],
          summary: 'Apply an email change with the ticket sent to the new address',
          body: Type.Object({ ticket: Ticket }),
          response: responses({ 204: NoContent }, 400, 401, 409),
        },
      },
      async (request, reply) => {
        await s.lifecycle.confirmEmailChange(request.body.ticket);
        return reply.code(204).send();
      },
    );
  } else
    registerDisabled(app, 'VERIFY_EMAILS', [
      ['POST', '/change-email/change'],
      ['POST', '/change-email/request'],
    ]);
  if (lifecycle.verifyEmails) registerDisabled(app, 'VERIFY_EMAILS', [['POST', '/change-email']], 'false');

  app.post(
    '/change-email/undo',
    {
      schema: {
        tags: ['account'],
        summary: 'Put the old address back with the ticket mailed to it after a change; every session of the user ends',
        body: Type.Object({ ticket: Ticket }),
        response: responses({ 204: NoContent }, 400, 401, 409),
      },
    },
    async (request, reply) => {
      await s.lifecycle.undoEmailChange(request.body.ticket, clientInfo(request));
      return reply.code(204).send();
    },
  );
}
