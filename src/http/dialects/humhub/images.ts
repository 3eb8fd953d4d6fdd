import { Type } from '@sinclair/typebox';
import type { Services } from '../../../services.js';
import type { App } from '../../types.js';
import { avatarResponses, sendAvatar } from '../avatar.js';
import { YiiError } from './schemas.js';

/** Where HumHub keeps a profile image: `uploads/profile_image/<user guid>.jpg` (and `_org` for the original). */
export const profileImagePath = (guid: string) => `/uploads/profile_image/${guid}.jpg`;

const IMAGE_FILE = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(_org)?\.jpg$/i;

/**
 * The `profile.image_url` HumHub hands out: the user's picture (a redirect to their avatar_url) or their
 * initials. A guid nobody has gets the initials of "?" rather than a 404, so guids cannot be probed.
 */
export function humhubImageRoutes(app: App, s: Services) {
  app.get(
    '/uploads/profile_image/:file',
    {
      schema: {
        tags: ['humhub'],
        summary: "A user's profile image (HumHub's image_url): their picture, or their initials",
        params: Type.Object({ file: Type.String({ maxLength: 128 }) }),
        response: avatarResponses(YiiError),
      },
    },
    async (request, reply) => {
      const guid = IMAGE_FILE.exec(request.params.file)?.[1]?.toLowerCase();
      const user = guid ? await s.users.get(guid) : undefined;
      return sendAvatar(request, reply, user, user ? (user.displayName ?? user.username ?? '?') : '?');
    },
  );
}
