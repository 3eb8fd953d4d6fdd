import { Type } from '@sinclair/typebox';
import type { CreationOptions as Options } from '../../../core/passkeys/ceremonies.js';
import type { Services } from '../../../services.js';
import { clientInfo } from '../../client.js';
import { authLimits } from '../../native/auth/limits.js';
import { AuthenticationCredential, RegistrationCredential } from '../../native/auth/webauthn/schemas.js';
import { CreationOptions, RequestOptions } from '../../native/auth/webauthn/schemas.js';
import { requireUser } from '../../plugins/auth-guard.js';
import { emptyBodyIsObject } from '../../schemas.js';
import type { App } from '../../types.js';
import { refuseAnonymous } from './anonymous.js';
import type { HasuraAuthConfig } from './config.js';
import { hasuraErrors } from './envelope.js';
import { allowedRedirect, hasuraLinks } from './links.js';
import { hasuraSession } from './present.js';
import { replies } from './reply.js';
import { Email, SessionPayload, SignUpOptions, tags } from './schemas.js';
import { DOOR } from './sessions.js';
import { signUpInput } from './sign-up-input.js';

const Nickname = Type.String({ minLength: 1, maxLength: 100, description: 'A name to tell security keys apart' });
const EmailBody = Type.Object({ email: Type.Optional(Email) });
const Assertion = Type.Object({ email: Type.Optional(Email), credential: AuthenticationCredential });
const security = [{ bearer: [] }];

/**
 * hasura-auth's creation options carry the user id as the UUID's text (go-webauthn's EncodeUserIDAsString), which
 * its client (@simplewebauthn/browser 9) encodes as UTF-8: the same user handle as the core's base64url id.
 */
const asHasura = (o: Options): Options => ({
  ...o,
  user: { ...o.user, id: Buffer.from(o.user.id, 'base64url').toString() },
});

/**
 * hasura-auth's WebAuthn routes (its "security keys"), as `@nhost/hasura-auth-js` calls them: sign-up, sign-in
 * (usernameless without an email), adding a key and elevation, over the core's passkeys. An assertion or a
 * registration that does not verify is hasura-auth's `400 invalid-request`; an elevation answers a new session
 * whose access token carries `x-hasura-auth-elevated`, and proves the caller's session as the native one does.
 */
export function registerWebauthnRoutes(app: App, s: Services, config: HasuraAuthConfig) {
  const limits = authLimits(s);
  const enabled = async () => {
    if (!s.config.passkeys.enabled) throw hasuraErrors.disabledEndpoint();
  };
  const signedIn = [enabled, requireUser(s)];

  app.post(
    '/signup/webauthn',
    {
      schema: {
        tags,
        summary: 'Options to create an account with a security key and no password (409 when the email has one)',
        body: Type.Object({ email: Email, options: Type.Optional(SignUpOptions) }),
        response: replies({ 200: CreationOptions }, 400, 409, 429),
      },
      onRequest: enabled,
      preHandler: limits.credentials,
    },
    async (request) => {
      const { email, options = {} } = request.body;
      allowedRedirect(s.config, options.redirectTo);
      return asHasura(await s.passkeys.signupOptions(signUpInput(s, email, options)));
    },
  );

  app.post(
    '/signup/webauthn/verify',
    {
      schema: {
        tags,
        summary:
          'Create the account with its security key: a session, or `{session: null}` until the email is verified',
        body: Type.Object({
          credential: RegistrationCredential,
          options: Type.Optional(Type.Composite([SignUpOptions, Type.Object({ nickname: Type.Optional(Nickname) })])),
          nickname: Type.Optional(Nickname),
        }),
        response: replies({ 200: SessionPayload }, 400, 401, 409, 429),
      },
      onRequest: enabled,
    },
    async (request) => {
      const { credential, options = {} } = request.body;
      const links = hasuraLinks(s.config, config.mount, allowedRedirect(s.config, options.redirectTo));
      const nickname = request.body.nickname ?? options.nickname;
      const client = clientInfo(request);
      const user = await s.passkeys.signup(credential as never, nickname, client);
      if (!user.active) {
        await s.lifecycle.afterRegister(user, links);
        return { session: null };
      }
      return { session: hasuraSession(await s.auth.startSession(user, client, DOOR)) };
    },
  );

  app.post(
    '/signin/webauthn',
    {
      schema: {
        tags,
        summary: "Options to sign in with a security key: the email's keys, or without one any key of this site",
        body: EmailBody,
        response: replies({ 200: RequestOptions }, 400, 409, 429),
      },
      onRequest: enabled,
      preValidation: emptyBodyIsObject,
      preHandler: limits.credentials,
    },
    async (request) => s.passkeys.loginOptions(request.body.email),
  );

  app.post(
    '/signin/webauthn/verify',
    {
      schema: {
        tags,
        summary: 'Sign in with a security key assertion (user verification required); `email` is not used',
        body: Assertion,
        response: replies({ 200: SessionPayload }, 400, 401, 409, 429),
      },
      onRequest: enabled,
    },
    async (request) => {
      const client = clientInfo(request);
      const user = await s.passkeys.login(request.body.credential as never, DOOR, client);
      return { session: hasuraSession(await s.auth.startSession(user, client, DOOR)) };
    },
  );

  app.post(
    '/user/webauthn/add',
    {
      schema: {
        tags,
        summary: 'Options to add a security key (a fresh proof of identity: a key is a lasting way in)',
        security,
        response: replies({ 200: CreationOptions }, 400, 401, 403, 409),
      },
      onRequest: signedIn,
      preValidation: emptyBodyIsObject,
      preHandler: [refuseAnonymous, async (request) => s.reauth.requireFresh(request.principal!)],
    },
    async (request) => asHasura(await s.passkeys.registrationOptions(request.principal!)),
  );

  app.post(
    '/user/webauthn/verify',
    {
      schema: {
        tags,
        summary: 'Store the security key made from /user/webauthn/add: its id and nickname',
        security,
        body: Type.Object({ credential: RegistrationCredential, nickname: Type.Optional(Nickname) }),
        response: replies(
          { 200: Type.Object({ id: Type.String({ format: 'uuid' }), nickname: Type.Optional(Type.String()) }) },
          400,
          401,
          403,
          409,
        ),
      },
      onRequest: signedIn,
      preHandler: [refuseAnonymous, async (request) => s.reauth.requireFresh(request.principal!)],
    },
    async (request) => {
      const { credential, nickname } = request.body;
      const key = await s.passkeys.register(request.principal!, credential as never, nickname, clientInfo(request));
      return key.nickname === null ? { id: key.id } : { id: key.id, nickname: key.nickname };
    },
  );

  app.post(
    '/elevate/webauthn',
    {
      schema: {
        tags,
        summary: "Options to elevate this session with one of the signed-in user's security keys (`email` unused)",
        security,
        body: EmailBody,
        response: replies({ 200: RequestOptions }, 400, 401, 409),
      },
      onRequest: signedIn,
      preValidation: emptyBodyIsObject,
    },
    async (request) => s.passkeys.elevationOptions(request.principal!),
  );

  app.post(
    '/elevate/webauthn/verify',
    {
      schema: {
        tags,
        summary:
          'A fresh assertion by one of my keys: this session counts as proven, and the answer is a new (proven) ' +
          'session whose access token carries x-hasura-auth-elevated',
        security,
        body: Assertion,
        response: replies({ 200: SessionPayload }, 400, 401, 409, 429),
      },
      onRequest: signedIn,
    },
    async (request) => {
      const { principal } = request;
      const client = clientInfo(request);
      await s.passkeys.elevate(principal!, request.body.credential as never, client, DOOR);
      const elevated = { 'x-hasura-auth-elevated': principal!.userId };
      return { session: hasuraSession(await s.auth.startSession(principal!.user, client, DOOR, true, elevated)) };
    },
  );
}
