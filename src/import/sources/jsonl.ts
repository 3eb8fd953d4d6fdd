import type { ImportRecord, SourceItem } from '../record.js';
import { isUuid } from '../ids.js';
import type { SourceContext } from './index.js';
import { linesOf } from './lines.js';

/** Why a line of Gatehouse's own format cannot be a user, or undefined when it can. */
function problemOf(r: Partial<ImportRecord>): string | undefined {
  if (typeof r.id !== 'string' || !isUuid(r.id)) return 'id is not a UUID';
  if (typeof r.email !== 'string' || !r.email.includes('@')) return 'no email';
  if (!Array.isArray(r.roles) || typeof r.defaultRole !== 'string') return 'no roles or default role';
  if (r.numericId !== undefined && !(Number.isInteger(r.numericId) && r.numericId > 0)) return 'bad numericId';
  return undefined;
}

/** `gatehouse export`'s JSON lines: realm lines (`{"realm": …}`) and user lines, as they were written. */
export async function* jsonlSource(from: string, ctx: SourceContext): AsyncGenerator<SourceItem> {
  for await (const [n, line] of linesOf(from, ctx.stdin)) {
    let value: Partial<ImportRecord> & { realm?: string };
    try {
      value = JSON.parse(line);
    } catch {
      yield { skip: `line ${n}: not JSON` };
      continue;
    }
    if (Object.keys(value).length === 1 && typeof value.realm === 'string') {
      yield { realm: value.realm };
      continue;
    }
    const problem = problemOf(value);
    if (problem) yield { skip: `line ${n}: ${problem}` };
    else
      yield {
        user: {
          active: true,
          disabled: false,
          emailVerified: false,
          passwordHash: null,
          metadata: {},
          ...value,
        } as ImportRecord,
      };
  }
}
