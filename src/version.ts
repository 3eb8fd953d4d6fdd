import { readFileSync } from 'node:fs';
import path from 'node:path';
import { INSTALL_DIR } from './install-dir.js';

/** The package version, read once. */
export const VERSION: string = JSON.parse(readFileSync(path.join(INSTALL_DIR, 'package.json'), 'utf8')).version;
