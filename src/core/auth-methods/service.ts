import type { Queries } from '../../db/queries/index.js';

export type MethodMode = 'all' | 'selected' | 'off';
export type LimitedMethod = 'jwt' | 'basic';

/**
 * Who may use a login method that can be limited to selected users (HumHub's JWT and Basic):
 * a mode set through the admin API wins over the configured default.
 */
export function createAuthMethods(deps: { queries: Queries; defaults: Record<LimitedMethod, MethodMode> }) {
  const { queries } = deps;
  const mode = async (method: LimitedMethod): Promise<MethodMode> =>
    ((await queries.apiTokens.methodMode(method)) as MethodMode | undefined) ?? deps.defaults[method];
  return {
    mode,
    modes: async (): Promise<Record<LimitedMethod, MethodMode>> => ({
      jwt: await mode('jwt'),
      basic: await mode('basic'),
    }),
    setMode: (method: LimitedMethod, value: MethodMode) => queries.apiTokens.setMethodMode(method, value),
    allow: (method: LimitedMethod, userId: string) => queries.apiTokens.allowMethod(method, userId),
    disallow: (method: LimitedMethod, userId: string) => queries.apiTokens.disallowMethod(method, userId),

    /** Whether the method is open to this user. */
    async isOpen(method: LimitedMethod, userId: string): Promise<boolean> {
      const m = await mode(method);
      return m === 'all' || (m === 'selected' && (await queries.apiTokens.methodAllowed(method, userId)));
    },
  };
}

export type AuthMethods = ReturnType<typeof createAuthMethods>;
