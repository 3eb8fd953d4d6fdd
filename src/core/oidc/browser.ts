import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The browser behind a provider request: its single sign-on cookie (`<user id>.<session id>`), for the
 * storage to judge the provider's browser session by (see `adapter.ts`). One per app, not per module.
 */
export function createBrowserContext() {
  const store = new AsyncLocalStorage<{ sso: string | undefined }>();
  return {
    /** Runs `fn` (and what it starts) as a request of the browser holding this cookie value. */
    run: <T>(sso: string | undefined, fn: () => T): T => store.run({ sso }, fn),
    /** Whether this is a browser's request (the authorization endpoint, sign-out, the device page). */
    inBrowser: (): boolean => store.getStore() !== undefined,
    /** The current browser's single sign-on session, if its cookie names one. */
    sso(): { userId: string; sessionId: string } | undefined {
      const [userId, sessionId] = store.getStore()?.sso?.split('.') ?? [];
      return userId && sessionId ? { userId, sessionId } : undefined;
    },
  };
}

export type BrowserContext = ReturnType<typeof createBrowserContext>;
