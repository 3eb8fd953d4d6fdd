import { datarhei } from './datarhei/index.js';
import { hasuraAuth } from './hasura-auth/index.js';
import { hbp } from './hbp/index.js';
import { humhub } from './humhub/index.js';
import { privacyidea } from './privacyidea/index.js';
import { rocketchat } from './rocketchat/index.js';

/** Every wire dialect, in the order their routes register. A new dialect is one folder and one entry here. */
export const DIALECT_MODULES = [hbp, humhub, rocketchat, privacyidea, datarhei, hasuraAuth] as const;

export type DialectModule = (typeof DIALECT_MODULES)[number];
export { DIALECT_IDS, type DialectId, type DialectSettings } from './settings.js';
