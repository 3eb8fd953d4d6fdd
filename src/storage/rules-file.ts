import { readFileSync } from 'node:fs';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { parse as parseYaml } from 'yaml';
import { OPERATIONS } from './operations.js';

/** STORAGE_RULES's shape; loaded only when the variable names a file (the defaults need no parsing). */
const Grant = Type.Object(
  {
    operations: Type.Array(Type.Union(OPERATIONS.map((o) => Type.Literal(o))), { minItems: 1 }),
    when: Type.Optional(
      Type.Object(
        {
          signedIn: Type.Optional(Type.Boolean()),
          userIdEquals: Type.Optional(Type.String({ description: 'name of a {parameter} of the path' })),
          roleIn: Type.Optional(Type.Array(Type.String(), { minItems: 1 })),
        },
        { additionalProperties: false },
      ),
    ),
    maxSize: Type.Optional(Type.Integer({ minimum: 0 })),
    contentTypes: Type.Optional(
      Type.Array(Type.String({ pattern: '^[a-z0-9.+-]+/([a-z0-9.+-]+|\\*)$' }), { minItems: 1 }),
    ),
  },
  { additionalProperties: false },
);

const RulesFile = Type.Object(
  {
    rules: Type.Array(
      Type.Object({ path: Type.String({ pattern: '^/' }), allow: Type.Array(Grant) }, { additionalProperties: false }),
    ),
  },
  { additionalProperties: false },
);
export type RulesFile = Static<typeof RulesFile>;
export type Grant = Static<typeof Grant>;

/** Declarative data only: the file is parsed and validated, never evaluated. */
export function loadRules(file: string): RulesFile {
  const text = readFileSync(file, 'utf8');
  const data: unknown = /\.json$/i.test(file) ? JSON.parse(text) : parseYaml(text);
  if (!Value.Check(RulesFile, data)) {
    const first = [...Value.Errors(RulesFile, data)][0];
    throw new Error(`STORAGE_RULES ${file}: ${first?.path || '/'} ${first?.message ?? 'is invalid'}`);
  }
  return data;
}
