import type { Config } from '../../../config/load.js';
import type { LinkKind, MagicAction, MailLinks } from '../../../core/auth/lifecycle.js';
import { isAllowedRedirect } from '../../../core/redirect-allow-list.js';
import { withParams } from '../../../core/urls.js';
import { hasuraErrors } from './envelope.js';

/** hasura-auth's ticket types, as its `/verify` links name them. */
export const VERIFY_TYPES = ['emailVerify', 'emailConfirmChange', 'signinPasswordless', 'passwordReset'] as const;
export type VerifyType = (typeof VERIFY_TYPES)[number];

const TYPE_OF: Record<LinkKind, VerifyType> = {
  activate: 'emailVerify',
  'change-email': 'emailConfirmChange',
  'magic-link': 'signinPasswordless',
  'reset-password': 'passwordReset',
};

/** A magic link's ticket carries its action (`log-in:` or `register:`), as hasura-auth's carry their kind. */
export const magicTicket = (ticket: string, action: MagicAction = 'log-in') => `${action}:${ticket}`;
export function splitMagicTicket(ticket: string): { action: MagicAction; token: string } {
  const at = ticket.indexOf(':');
  const action = ticket.slice(0, at);
  if (action !== 'log-in' && action !== 'register') throw hasuraErrors.invalidTicket();
  return { action, token: ticket.slice(at + 1) };
}

/** The redirect a client asked for, if the allow-list lets it (REDIRECT_URL_SUCCESS, ALLOWED_REDIRECT_URLS). */
export function allowedRedirect(config: Config, redirectTo: string | undefined): string {
  const fallback = config.lifecycle.redirectSuccess;
  if (redirectTo === undefined || redirectTo === '') return fallback;
  if (!isAllowedRedirect(redirectTo, [fallback, ...config.federation.allowedRedirectUrls]))
    throw hasuraErrors.redirectNotAllowed();
  return redirectTo;
}

/** Mailed links to this door's `GET /verify`, as hasura-auth writes them: `?ticket=…&type=…&redirectTo=…`. */
export function hasuraLinks(config: Config, mount: string, redirectTo: string): MailLinks {
  const verify = `${config.server.url}${mount}/verify`;
  return (kind, ticket, action) =>
    withParams(verify, {
      ticket: kind === 'magic-link' ? magicTicket(ticket, action) : ticket,
      type: TYPE_OF[kind],
      redirectTo,
    });
}
