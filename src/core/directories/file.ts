import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { checkNamedInput, type NamedDirectoryInput } from './settings-schema.js';
import { toDirectory, type Directory } from './settings.js';
import { directoryProblems } from './validate.js';

/** Reads DIRECTORIES_FILE (`directories: [...]`); a wrong entry stops the start with every problem named. */
export function loadDirectoriesFile(file: string): Directory[] {
  const doc = parse(readFileSync(file, 'utf8')) as { directories?: unknown } | null;
  const list = doc?.directories;
  if (!Array.isArray(list)) throw new Error(`${file}: expected a list under "directories"`);
  const problems = list.flatMap((entry, i) => {
    const shape = checkNamedInput(entry).map((p) => `directories[${i}]${p}`);
    return shape.length ? shape : directoryProblems(entry as NamedDirectoryInput).map((p) => `directories[${i}]/${p}`);
  });
  if (problems.length) throw new Error(`${file}:\n  ${problems.join('\n  ')}`);
  const dirs = (list as NamedDirectoryInput[]).map((e) => toDirectory(e.realm, e, e.bind_password ?? null, 'file'));
  const realms = dirs.map((d) => d.realm);
  if (new Set(realms).size !== realms.length) throw new Error(`${file}: a realm is listed twice`);
  if (dirs.filter((d) => d.isDefault).length > 1) throw new Error(`${file}: only one directory may be the default`);
  return dirs;
}
