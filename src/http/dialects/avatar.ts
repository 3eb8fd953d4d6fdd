import { createHash } from 'node:crypto';
import { Type, type TSchema } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { User } from '../../core/users/service.js';

/** How long browsers and proxies may keep an avatar: a changed picture shows within the hour, as Rocket.Chat's. */
const MAX_AGE_SECONDS = 3600;
/** Background colours of generated avatars, chosen by the name so that one name always gets the same one. */
const COLOURS = ['#1d74f5', '#12a37a', '#e0344b', '#b07d00', '#9ea2a8', '#6c5ce7', '#00b894', '#e17055', '#0984e3'];

const escapeXml = (text: string) =>
  text.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);

/** The initials of a name: the first letters of its first two words (`ann.lee` → `AL`), or `?`. */
export function initialsOf(name: string): string {
  const words = name
    .split(/[\s._-]+/)
    .map((w) => [...w][0] ?? '')
    .filter((c) => /[\p{L}\p{N}]/u.test(c));
  return (words.slice(0, 2).join('') || '?').toUpperCase();
}

/** A square SVG with the name's initials on a colour taken from the name; attributes only, no style or script. */
export function initialsSvg(name: string): string {
  const digest = createHash('sha256').update(name.toLowerCase()).digest();
  const colour = COLOURS[digest[0]! % COLOURS.length]!;
  return (
    '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="200" viewBox="0 0 200 200">' +
    `<rect width="200" height="200" fill="${colour}"/>` +
    '<text x="50%" y="50%" dy="0.35em" text-anchor="middle" fill="#ffffff" ' +
    `font-family="Helvetica, Arial, sans-serif" font-size="90">${escapeXml(initialsOf(name))}</text></svg>`
  );
}

/** The picture a user set (the HBP `avatar_url`), when it is a web address a browser may be sent to. */
const pictureOf = (user: User | undefined) =>
  user?.avatarUrl && /^https?:\/\/[^\s]+$/i.test(user.avatarUrl) ? user.avatarUrl : undefined;

/**
 * Answers an avatar: a redirect to the user's own picture when they set one, otherwise the initials of `name`
 * (for an unknown user too, so the answer tells no more than the real systems' avatar routes do). Cacheable, with
 * an ETag, and shown by other sites (`<img>` from a chat client's origin).
 */
export function sendAvatar(request: FastifyRequest, reply: FastifyReply, user: User | undefined, name: string) {
  reply.headers({
    'cache-control': `public, max-age=${MAX_AGE_SECONDS}`,
    'cross-origin-resource-policy': 'cross-origin',
  });
  const picture = pictureOf(user);
  if (picture) return reply.redirect(picture, 302);
  const svg = initialsSvg(name);
  const etag = `"${createHash('sha256').update(svg).digest('base64url').slice(0, 27)}"`;
  reply.header('etag', etag);
  if (request.headers['if-none-match'] === etag) return reply.code(304).send();
  return reply.type('image/svg+xml').send(svg);
}

/** The statuses of an avatar route beside the dialect's envelope ones (`errorSchema`: its error body). */
export const avatarResponses = (errorSchema: TSchema) => ({
  200: Type.Unsafe<string>({
    description: "The user's initials (SVG), for a user without a picture or a name nobody has",
    content: { 'image/svg+xml': { schema: Type.String() } },
  }),
  302: Type.Null({ description: "Redirect to the user's own picture (their avatar_url)" }),
  304: Type.Null({ description: 'Not modified (If-None-Match)' }),
  400: errorSchema,
});
