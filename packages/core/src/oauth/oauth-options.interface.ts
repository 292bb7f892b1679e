import type { KeyObject } from 'node:crypto';
import type { OAuthClient } from './oauth-client.interface.js';

/**
 * One social-login provider of the `oauth` module option: mounts `GET <authPath>/<name>/authorize` and `/callback`
 * (login), and `GET <authPath>/associate/<name>/authorize` and `/callback` (link to the logged-in user).
 * @publicApi
 */
export interface OAuthProviderOptions {
  /** The provider client: `new OidcClient({ issuer, clientId, clientSecret })`, `GoogleClient`, `GitHubClient`… */
  client: OAuthClient;
  /** The provider's name in routes and stored accounts. @default the client's `defaultName` (`google`, `github`) */
  name?: string;
  /** The backend whose login answer the callback gives (a bearer token or a cookie). */
  backend: string;
  /**
   * The absolute callback URL registered with the provider, fixed here and never taken from the request: usually
   * `https://<your host>/auth/<name>/callback`, or a page of your front end that passes its query string on to that
   * route.
   */
  redirectUrl: string;
  /** The same for the associate flow; without it `GET <authPath>/associate/<name>/*` answer 404. */
  associateRedirectUrl?: string;
  /**
   * Link a provider account to an existing user with the same email, when the provider says that email is verified
   * and the user verified it here too (otherwise `OAUTH_USER_ALREADY_EXISTS`). Only for providers you trust to verify
   * emails. @default false
   */
  associateByEmail?: boolean;
  /**
   * Users created by this provider start verified, when the provider says their email is verified. @default false
   */
  isVerifiedByDefault?: boolean;
}

/**
 * The state tokens and the browser-binding cookie of the OAuth flows.
 * @publicApi
 */
export interface OAuthStateOptions {
  /** HMAC secret of the state JWT (≥ 32 bytes). @default derived (HKDF) from the first JWT backend's secret */
  secret?: string | Buffer | KeyObject;
  /** How long a started flow may take, 1 to 3600 seconds. @default 600 */
  lifetimeSeconds?: number;
  /** Name of the cookie that binds the flow to the browser. @default '__Host-nest-users-oauth' */
  cookieName?: string;
  /** Mark the cookie `Secure` (browsers accept it on http://localhost too). Required by a `__Host-` name. @default true */
  cookieSecure?: boolean;
}
