import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The nearest folder at or above `from` holding a package.json. */
function packageRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`No package.json above ${from}`);
  }
}

/**
 * The folder Gatehouse is installed in (package.json's). Found by walking up, not by a fixed `../..`: this code
 * runs from src/ (tests), from dist/main.js and from a chunk in dist/chunks/, wherever the bundler put it.
 */
export const INSTALL_DIR = packageRoot(path.dirname(fileURLToPath(import.meta.url)));
