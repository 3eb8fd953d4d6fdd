import { readFileSync } from 'node:fs';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { parse as parseYaml } from 'yaml';

export const OPERATIONS = ['read', 'list', 'create', 'update', 'delete'] as const;
export type Operation = (typeof OPERATIONS)[number];

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

/** Out of the box: a private folder per user, a public folder, everything else for admins. */
export const DEFAULT_RULES: RulesFile = {
  rules: [
    {
      path: '/user/{userId}/**',
      allow: [{ operations: ['read', 'list', 'create', 'update', 'delete'], when: { userIdEquals: 'userId' } }],
    },
    {
      path: '/public/**',
      allow: [
        { operations: ['read', 'list'] },
        { operations: ['create', 'update', 'delete'], when: { signedIn: true } },
      ],
    },
  ],
};

export interface Caller {
  userId?: string;
  roles: string[];
}

/** Declarative data only: the file is parsed and validated, never evaluated. */
export function loadRules(file: string | undefined): RulesFile {
  if (!file) return DEFAULT_RULES;
  const text = readFileSync(file, 'utf8');
  const data: unknown = /\.json$/i.test(file) ? JSON.parse(text) : parseYaml(text);
  if (!Value.Check(RulesFile, data)) {
    const first = [...Value.Errors(RulesFile, data)][0];
    throw new Error(`STORAGE_RULES ${file}: ${first?.path || '/'} ${first?.message ?? 'is invalid'}`);
  }
  return data;
}

/** `/user/{userId}/**` → a matcher giving the parameters. `*` is one segment, `**` the rest (one or more). */
function compile(pattern: string) {
  const names: string[] = [];
  const source = pattern
    .slice(1)
    .split('/')
    .map((segment) => {
      if (segment === '**') return '.+';
      if (segment === '*') return '[^/]+';
      const param = /^\{(\w+)\}$/.exec(segment);
      if (param) {
        names.push(param[1]!);
        return '([^/]+)';
      }
      return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  const regex = new RegExp(`^${source}$`);
  return (key: string) => {
    const m = regex.exec(key);
    return m ? Object.fromEntries(names.map((n, i) => [n, m[i + 1]!])) : undefined;
  };
}

export interface Decision {
  allowed: boolean;
  /** The grant that allowed it, for its size and type limits. */
  grant?: Grant;
}

/** The first rule whose path matches decides; within it, the first grant that fits the caller. */
export function createRules(file: RulesFile) {
  const rules = file.rules.map((r) => ({ match: compile(r.path), allow: r.allow }));
  return {
    /** Where `caller` may create files (for messages that say what would work). */
    creatableFolders: (caller: Caller) => creatableFolders(file, caller),
    decide(op: Operation, key: string, caller: Caller): Decision {
      for (const rule of rules) {
        const params = rule.match(key);
        if (!params) continue;
        for (const grant of rule.allow) {
          if (!grant.operations.includes(op)) continue;
          const when = grant.when ?? {};
          if (when.signedIn && !caller.userId) continue;
          if (when.userIdEquals && (!caller.userId || params[when.userIdEquals] !== caller.userId)) continue;
          if (when.roleIn && !when.roleIn.some((r) => caller.roles.includes(r))) continue;
          return { allowed: true, grant };
        }
        return { allowed: false };
      }
      return { allowed: false };
    },
  };
}

export type Rules = ReturnType<typeof createRules>;

/**
 * The folders where `caller` may create files under these rules, as an operator or a user reads them
 * (`user/<their id>/`, `public/`): a rule's path up to its first wildcard, with the caller's own id for a
 * `{param}` that a grant ties to it. Rules with other parameters say `{param}`.
 */
export function creatableFolders(file: RulesFile, caller: Caller): string[] {
  const out: string[] = [];
  for (const rule of file.rules) {
    const fits = rule.allow.find((g) => {
      const when = g.when ?? {};
      if (!g.operations.includes('create')) return false;
      if (when.signedIn && !caller.userId) return false;
      if (when.userIdEquals && !caller.userId) return false;
      return !when.roleIn || when.roleIn.some((r) => caller.roles.includes(r));
    });
    if (!fits) continue;
    const own = fits.when?.userIdEquals;
    const segments: string[] = [];
    for (const segment of rule.path.slice(1).split('/')) {
      if (segment === '*' || segment === '**') break;
      segments.push(own && segment === `{${own}}` ? caller.userId! : segment);
    }
    out.push(`${segments.join('/')}/`);
  }
  return [...new Set(out)];
}
