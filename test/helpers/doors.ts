import type { LightMyRequestResponse } from 'fastify';
import { codeAt } from '../../src/core/mfa/totp.js';
import type { TestApp } from './app.js';
import { bearer } from './auth.js';

/** What a successful login through a door gives: a way to use its credential (200 while it lives). */
export type Use = (t: TestApp) => Promise<number>;

export interface Door {
  name: string;
  /** One password login; `code` is the door's own second-factor form when it has one. */
  login(
    t: TestApp,
    identifier: string,
    password: string,
    o?: { code?: string; ip?: string },
  ): Promise<LightMyRequestResponse>;
  /** The credential of a successful login, as a use that answers a status. */
  credential(res: LightMyRequestResponse): Use;
  /** Whether the door can carry a second factor (privacyIDEA appends it to the password). */
  carriesCode: boolean;
  /** HBP's login names an email (its API has no usernames); every other door takes a username too. */
  byUsername: boolean;
  /** HTTP Basic has no session: a logout cannot end it (the password is sent again each time). */
  sessionless?: boolean;
  /** For doors that answer a login of an MFA account with 200 and a ticket: whether this answer is one. */
  asksSecondFactor?(res: LightMyRequestResponse): boolean;
}

const basic = (id: string, pw: string) => `Basic ${Buffer.from(`${id}:${pw}`).toString('base64')}`;
/** Basic sends the password with every request: its "credential" is the header, kept per answer. */
const basicHeaders = new WeakMap<LightMyRequestResponse, string>();
const json = (t: TestApp, url: string, payload: object, ip?: string) =>
  t.request({ method: 'POST', url, payload, remoteAddress: ip });

export const DOORS: Door[] = [
  {
    name: 'hbp',
    carriesCode: true,
    byUsername: false,
    asksSecondFactor: (res) => res.json().mfa === true,
    async login(t, identifier, password, o = {}) {
      const res = await json(t, '/auth/login', { email: identifier, password }, o.ip);
      if (res.statusCode !== 200 || !o.code || !res.json().mfa) return res;
      return json(t, '/auth/mfa/totp', { ticket: res.json().ticket, code: o.code }, o.ip);
    },
    credential(res) {
      const { jwt_token } = res.json();
      return async (t) => (await t.request({ url: '/auth/user', headers: bearer(jwt_token) })).statusCode;
    },
  },
  {
    name: 'humhub',
    byUsername: true,
    carriesCode: false,
    login: (t, identifier, password, o = {}) => json(t, '/api/v1/auth/login', { username: identifier, password }, o.ip),
    credential(res) {
      const token = res.json().auth_token as string;
      return async (t) => (await t.request({ url: '/api/v1/auth/current', headers: bearer(token) })).statusCode;
    },
  },
  {
    name: 'humhub-basic',
    carriesCode: false,
    byUsername: true,
    sessionless: true,
    async login(t, identifier, password, o = {}) {
      const authorization = basic(identifier, password);
      const res = await t.request({ url: '/api/v1/auth/current', headers: { authorization }, remoteAddress: o.ip });
      basicHeaders.set(res, authorization);
      return res;
    },
    credential(res) {
      const authorization = basicHeaders.get(res)!;
      return async (t) => (await t.request({ url: '/api/v1/auth/current', headers: { authorization } })).statusCode;
    },
  },
  {
    name: 'rocketchat',
    byUsername: true,
    carriesCode: true,
    login: (t, identifier, password, o = {}) =>
      json(t, '/api/v1/login', { user: identifier, password, ...(o.code ? { code: o.code } : {}) }, o.ip),
    credential(res) {
      const { userId, authToken } = res.json().data;
      return async (t) =>
        (await t.request({ url: '/api/v1/me', headers: { 'x-user-id': userId, 'x-auth-token': authToken } }))
          .statusCode;
    },
  },
  {
    name: 'privacyidea',
    byUsername: true,
    carriesCode: true,
    login: (t, identifier, password, o = {}) =>
      json(t, '/auth', { username: identifier, password: password + (o.code ?? '') }, o.ip),
    credential(res) {
      const token = res.json().result.value.token as string;
      return async (t) => (await t.request({ url: '/auth/rights', headers: { authorization: token } })).statusCode;
    },
  },
  {
    name: 'datarhei',
    byUsername: true,
    carriesCode: false,
    login: (t, identifier, password, o = {}) => json(t, '/api/login', { username: identifier, password }, o.ip),
    credential(res) {
      const { refresh_token } = res.json();
      return async (t) => (await t.request({ url: '/api/login/refresh', headers: bearer(refresh_token) })).statusCode;
    },
  },
  {
    // Its sessions are HBP's (the same access JWT and refresh token), opened at its own sign-in.
    name: 'hasura-auth',
    carriesCode: true,
    byUsername: false, // its sign-in names an email
    asksSecondFactor: (res) => res.json().mfa != null,
    async login(t, identifier, password, o = {}) {
      const res = await json(t, '/v1/auth/signin/email-password', { email: identifier, password }, o.ip);
      if (res.statusCode !== 200 || !o.code || !res.json().mfa) return res;
      return json(t, '/v1/auth/signin/mfa/totp', { ticket: res.json().mfa.ticket, otp: o.code }, o.ip);
    },
    credential(res) {
      const { accessToken } = res.json().session;
      return async (t) => (await t.request({ url: '/v1/auth/user', headers: bearer(accessToken) })).statusCode;
    },
  },
];

/** Turns TOTP on for a signed-in user; returns a function giving a fresh (not yet used) code. */
export async function enableTotp(t: TestApp, jwt: string): Promise<() => string> {
  const { otp_secret } = (await t.request({ method: 'POST', url: '/auth/mfa/generate', headers: bearer(jwt) })).json();
  const enable = await t.request({
    method: 'POST',
    url: '/auth/mfa/enable',
    headers: bearer(jwt),
    payload: { code: codeAt(otp_secret, t.clock.now().getTime()) },
  });
  if (enable.statusCode !== 204) throw new Error(`enabling MFA failed: ${enable.body}`);
  // A code may be used once: every call moves the clock to the next 30-second step.
  return () => {
    t.clock.advanceSeconds(30);
    return codeAt(otp_secret, t.clock.now().getTime());
  };
}

/** What a client sees of an answer, minus what changes every time (privacyIDEA's `time`). */
export function visible(res: LightMyRequestResponse) {
  const body = res.json() as Record<string, unknown>;
  delete body.time;
  return { status: res.statusCode, body };
}
