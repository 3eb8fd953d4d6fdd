// Regenerates the configuration reference in docs/configuration.md from src/config/schema.ts.
import { readFileSync, writeFileSync } from 'node:fs';
import { configReference, REFERENCE_FILE, withReference } from '../src/config/reference.js';

if (process.argv.includes('--write')) {
  writeFileSync(REFERENCE_FILE, withReference(readFileSync(REFERENCE_FILE, 'utf8')));
  console.log(`${REFERENCE_FILE} configuration reference updated`);
} else {
  console.log(configReference());
}
