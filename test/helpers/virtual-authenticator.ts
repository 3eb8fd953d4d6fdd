import { es256Key, type SoftAuthenticator } from './soft-authenticator.js';
import type { CDPSession, Page } from 'playwright-core';

/** A credential as the DevTools Protocol's WebAuthn domain shows and takes it. */
export interface VirtualCredential {
  credentialId: string;
  isResidentCredential: boolean;
  rpId?: string;
  privateKey: string;
  userHandle?: string;
  signCount: number;
}

export interface VirtualAuthenticator {
  cdp: CDPSession;
  authenticatorId: string;
  /** The credentials it holds now (their counters move with every assertion). */
  credentials(): Promise<VirtualCredential[]>;
  /** Puts a credential in it (a passkey synced from another device, or made by a software authenticator). */
  add(credential: object): Promise<void>;
  /** Forgets every credential it holds. */
  clear(): Promise<void>;
}

/**
 * Chromium's virtual authenticator on one page (the DevTools Protocol's WebAuthn domain): a platform authenticator
 * with resident keys and user verification that answers without a touch, holding `credentials` from the start.
 */
export async function virtualAuthenticator(page: Page, credentials: object[] = []): Promise<VirtualAuthenticator> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable', { enableUI: false });
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  const add = async (credential: object) => {
    await cdp.send('WebAuthn.addCredential', { authenticatorId, credential: credential as never });
  };
  for (const credential of credentials) await add(credential);
  return {
    cdp,
    authenticatorId,
    credentials: async () =>
      (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials as VirtualCredential[],
    add,
    clear: async () => {
      await cdp.send('WebAuthn.clearCredentials', { authenticatorId });
    },
  };
}

/**
 * Copies of a soft authenticator's first passkey, one per browser, each counting on from the last one's uses (a lower
 * counter is refused as a clone). `device` is read at each copy (suites make it in `beforeAll`).
 */
export function passkeyCopies(device: () => SoftAuthenticator) {
  let uses = 0;
  return () => ({ ...device().exported(device().credentials[0]!, 'localhost'), signCount: (uses += 10) });
}

/** Whatever the page's script posts to a passkey step's verify route, as sent. */
export function recordVerify(page: Page): string[] {
  const sent: string[] = [];
  page.on('request', (r) => {
    if (new URL(r.url()).pathname.endsWith('/mfa/passkey/verify')) sent.push(r.postData() ?? '');
  });
  return sent;
}

/** `credential` holding another private key: its assertions name the passkey but fail the stored public key. */
export function withForeignKey(credential: object): object {
  return { ...credential, privateKey: es256Key().key.export({ format: 'der', type: 'pkcs8' }).toString('base64') };
}

/** Posts `body` to the verify route of the passkey step shown on `page`, from the page (its own origin). */
export function postVerify(page: Page, body: string): Promise<{ status: number; body: { code?: string } }> {
  return page.evaluate(async (sent) => {
    const action = document.getElementById('passkey-step')!.getAttribute('data-verify')!;
    const res = await fetch(action, { method: 'POST', headers: { 'content-type': 'application/json' }, body: sent });
    return { status: res.status, body: await res.json() };
  }, body);
}
