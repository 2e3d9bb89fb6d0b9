/**
 * The customer site's signed-in user (docs/channels.md, "Identity verification"): the loader
 * hands it over postMessage and the frame sends it with every session request, so the
 * server can tell a verified user (their own contact and history, on any device) from an
 * anonymous visitor.
 *
 * A refused identity (a wrong or stale signature, or none where the inbox requires one) is
 * dropped with a console warning for the site's developer; the visitor chats on anonymously
 * until the page gives a fresh one.
 */
import type { SiteIdentity } from '../shared/bridge';
import { ApiError, type Api, type SessionBody } from './api';
import type { Session } from './types';

/** How long a frame told to expect an identity waits for it before going on without. */
export const IDENTITY_WAIT_MS = 3000;

/** The server refused the identity itself (not the request): try again without it. */
export function isIdentityRefusal(err: unknown): boolean {
  return err instanceof ApiError && (err.code.startsWith('identity_') || (err.status === 422 && /^identity\b/.test(err.message)));
}

export function sameIdentity(a: SiteIdentity | null, b: SiteIdentity | null): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export class SiteUser {
  value: SiteIdentity | null = null;
  /** Resolves once the loader's identity came (or at once when none is expected). */
  readonly ready: Promise<void>;
  private arrived: () => void = () => undefined;

  constructor(expected: boolean, waitMs = IDENTITY_WAIT_MS) {
    this.ready = expected
      ? new Promise((resolve) => {
          this.arrived = resolve;
          setTimeout(resolve, waitMs);
        })
      : Promise.resolve();
  }

  set(identity: SiteIdentity | null): void {
    this.value = identity;
    this.arrived();
  }

  /** The server would not take it: forget it until the page gives another. */
  refused(err: unknown): void {
    console.warn('Otklik: the site identity was refused, chatting anonymously:', err instanceof Error ? err.message : err);
    this.value = null;
  }
}

/** `POST /widget/sessions`; when the server refuses the site's identity, once more without it
 * (the visitor chats anonymously; the console tells the site's developer why). */
export async function startSession(api: Api, site: SiteUser, body: SessionBody): Promise<Session> {
  try {
    return await api.session(body);
  } catch (e) {
    if (!body.identity || !isIdentityRefusal(e)) throw e;
    site.refused(e);
    const { identity: _refused, ...anonymous } = body;
    return api.session(anonymous);
  }
}
