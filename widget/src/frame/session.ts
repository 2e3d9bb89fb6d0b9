/**
 * The visitor's session token as the frame keeps it: what to ask the server for, whether an
 * answer kept the same visitor, and when to trade the token for a fresh one.
 */
import type { SiteIdentity } from '../shared/bridge';
import type { Lang } from '../shared/i18n';
import type { Profile } from './app-deps';
import type { Session } from './types';

export interface SessionBody {
  inbox_key: string;
  language: Lang;
  name?: string;
  email?: string;
  visitor_token?: string;
  identity?: SiteIdentity;
}

/** What `POST /widget/sessions` is asked: the profile the visitor gave, the token held, the
 * site's signed-in user (site-user.ts). */
export function sessionBody(
  inboxKey: string,
  language: Lang,
  profile: Profile | null,
  held: string | null,
  identity: SiteIdentity | null = null,
): SessionBody {
  const body: SessionBody = { inbox_key: inboxKey, language };
  if (profile?.name) body.name = profile.name;
  if (profile?.email) body.email = profile.email;
  if (held) body.visitor_token = held;
  if (identity) body.identity = identity;
  return body;
}

/** Whether a session answer kept the visitor whose token we presented (tokens rotate, so
 * the server says so; an older server answered with the very same token). */
export function sameVisitor(s: Session, presented: string): boolean {
  return s.resumed ?? s.visitor_token === presented;
}

/** When to trade a token for a fresh one: halfway to its expiry (null: the server gave none). */
export function refreshTime(s: Session, now: number): number | null {
  const expires = s.token_expires_at ? Date.parse(s.token_expires_at) : NaN;
  return Number.isFinite(expires) ? now + (expires - now) / 2 : null;
}
