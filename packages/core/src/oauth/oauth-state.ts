import { createHash, createHmac, randomBytes, type KeyObject } from 'node:crypto';
import type { AuthenticationBackend } from '../backend/authentication-backend.js';
import { UsersAuthConfigurationError } from '../errors/configuration.errors.js';
import { JwtCodec } from '../strategy/jwt.codec.js';
import { createHmacKey } from '../strategy/jwt-key.util.js';
import { parseJwtKeySet } from '../strategy/jwt-keys.js';
import { JwtStrategy } from '../strategy/jwt.strategy.js';
import { fingerprintsEqual } from '../strategy/password-fingerprint.util.js';

export const OAUTH_STATE_AUDIENCE = 'nest-users:oauth-state';
const DEFAULT_LIFETIME_SECONDS = 600;
/** Past its deadline a state is still verified for a day, to answer "expired" (not "garbled") for a genuine one. */
const EXPIRED_GRACE_SECONDS = 86_400;
const ANONYMOUS = '-';

/** Which flow a state was issued for: it is accepted only by that flow's callback of the same provider. */
export type OAuthFlow = 'login' | 'associate';

/** What one authorize request hands out: the state for the URL, the secret for the cookie, and what derives from it. */
export interface IssuedOAuthState {
  state: string;
  /** The browser binding: 256 random bits, sent only in an HttpOnly cookie, never in a URL. */
  cookieValue: string;
  codeVerifier: string;
  nonce: string;
}

/** Why a callback's state was refused, as fastapi-users' error codes. */
export type OAuthStateFailure = 'ACCESS_TOKEN_DECODE_ERROR' | 'ACCESS_TOKEN_ALREADY_EXPIRED' | 'OAUTH_INVALID_STATE';

/**
 * State tokens of the OAuth flows (fastapi-users' `oauth-state` JWT, made stricter after GHSA-5j53-63w8-8625). The
 * state is a short-lived HS256 JWT (`aud` `nest-users:oauth-state`) naming the provider, the flow, the user of an
 * associate flow, and a SHA-256 of a 256-bit secret kept in an HttpOnly cookie: a callback is accepted only from the
 * browser that started the flow (double submit, constant-time compare). The PKCE verifier and the nonce are derived
 * (HMAC) from the cookie secret, so they never travel in a URL and need no server-side session.
 */
export class OAuthStateTokens {
  private readonly codec: JwtCodec;

  constructor(
    key: KeyObject,
    readonly lifetime: number,
  ) {
    this.codec = new JwtCodec(parseJwtKeySet({ algorithm: 'HS256', secret: key }, 'OAuth state'), [OAUTH_STATE_AUDIENCE]);
  }

  issue(provider: string, flow: OAuthFlow, userId?: string): IssuedOAuthState {
    const cookieValue = randomBytes(32).toString('base64url');
    const until = Math.floor(Date.now() / 1000) + this.lifetime;
    const claims = { sub: userId ?? ANONYMOUS, provider, flow, csrf: digest(cookieValue), until };
    const state = this.codec.sign(claims, this.lifetime + EXPIRED_GRACE_SECONDS);
    return { state, cookieValue, ...derive(cookieValue) };
  }

  /**
   * The verifier, nonce and (associate flow) user id of a state presented to `provider`'s `flow` callback with the
   * browser's cookie, or why it is refused: not ours / garbled (`ACCESS_TOKEN_DECODE_ERROR`), past its lifetime
   * (`ACCESS_TOKEN_ALREADY_EXPIRED`), for another provider or flow, or without the cookie of the browser it was issued
   * to (`OAUTH_INVALID_STATE`).
   */
  read(
    state: unknown,
    cookieValue: string | undefined,
    provider: string,
    flow: OAuthFlow,
  ): { ok: true; codeVerifier: string; nonce: string; userId?: string } | { ok: false; failure: OAuthStateFailure } {
    const claims = this.codec.verify(state)?.claims;
    if (!claims || typeof claims.until !== 'number' || typeof claims.csrf !== 'string') {
      return { ok: false, failure: 'ACCESS_TOKEN_DECODE_ERROR' };
    }
    if (Math.floor(Date.now() / 1000) >= claims.until) return { ok: false, failure: 'ACCESS_TOKEN_ALREADY_EXPIRED' };
    if (claims.provider !== provider || claims.flow !== flow) return { ok: false, failure: 'OAUTH_INVALID_STATE' };
    // Compared as digests of equal length, in constant time; a missing cookie compares against nothing.
    if (typeof cookieValue !== 'string' || !fingerprintsEqual(claims.csrf, digest(cookieValue))) {
      return { ok: false, failure: 'OAUTH_INVALID_STATE' };
    }
    const userId = flow === 'associate' && claims.sub !== ANONYMOUS ? claims.sub : undefined;
    return { ok: true, ...derive(cookieValue), ...(userId === undefined ? {} : { userId }) };
  }
}

function digest(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}

function derive(cookieValue: string): { codeVerifier: string; nonce: string } {
  const mac = (label: string) => createHmac('sha256', cookieValue).update(label).digest('base64url');
  // 43 base64url characters: a valid PKCE verifier (RFC 7636 §4.1) with 256 bits of entropy.
  return { codeVerifier: mac('nest-users:oauth:pkce'), nonce: mac('nest-users:oauth:nonce') };
}

/** The state key and lifetime from the `oauthState` option, or a key derived from the first JWT backend's secret. */
export function createOAuthStateTokens(
  options: { secret?: string | Buffer | KeyObject; lifetimeSeconds?: number } | undefined,
  backends: AuthenticationBackend<any, any>[],
): OAuthStateTokens {
  const lifetime = options?.lifetimeSeconds ?? DEFAULT_LIFETIME_SECONDS;
  if (!Number.isSafeInteger(lifetime) || lifetime <= 0 || lifetime > 3600) {
    throw new UsersAuthConfigurationError('oauthState.lifetimeSeconds must be a whole number of seconds from 1 to 3600.');
  }
  if (options?.secret !== undefined) return new OAuthStateTokens(createHmacKey(options.secret, 'HS256', 'oauthState'), lifetime);
  for (const backend of backends) {
    const key = backend.strategy instanceof JwtStrategy ? backend.strategy.deriveSecret(OAUTH_STATE_AUDIENCE) : undefined;
    if (key) return new OAuthStateTokens(key, lifetime);
  }
  throw new UsersAuthConfigurationError(
    'No JWT backend holding a secret to derive the OAuth state key from: set `oauthState.secret` (≥ 32 bytes).',
  );
}
