import type { Grant, RulesFile } from './rules-file.js';
import type { Operation } from './operations.js';

export type { Grant, RulesFile } from './rules-file.js';
export { OPERATIONS, type Operation } from './operations.js';

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
