// Regenerates the configuration reference in README.md from src/config/schema.ts.
import { readFileSync, writeFileSync } from 'node:fs';
import { configReference, withReference } from '../src/config/reference.js';

if (process.argv.includes('--write')) {
  writeFileSync('README.md', withReference(readFileSync('README.md', 'utf8')));
  console.log('README.md configuration reference updated');
} else {
  console.log(configReference());
}
