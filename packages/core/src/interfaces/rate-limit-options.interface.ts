import type { ThrottlerStorage } from '@nestjs/throttler';

/**
 * The routes the module rate-limits, by what they do (one counter per route kind: the `jwt` and `cookie` logins share
 * their counters, so adding a backend never adds guesses).
 * @publicApi
 */
export type RateLimitedRoute =
  | 'login'
  | 'register'
  | 'forgotPassword'
  | 'requestVerifyToken'
  | 'resetPassword'
  | 'verify'
  | 'refresh'
  /** The OAuth `authorize` routes, login and associate, of every provider together. */
  | 'oauthAuthorize'
  /** The OAuth `callback` routes, login and associate, of every provider together. */
  | 'oauthCallback';

/**
 * At most `limit` requests per `windowSeconds`; the next one is refused (429) for `blockSeconds`, during which
 * refused requests count for nothing (hammering never extends the block).
 * @publicApi
 */
export interface RateLimitRule {
  /** Requests allowed per window. */
  limit: number;
  /** Length of the window, in seconds. */
  windowSeconds: number;
  /** How long the key is refused once over the limit, in seconds. @default windowSeconds */
  blockSeconds?: number;
}

/**
 * The counters of one route kind; `false` turns one off. The email is the one in the body (`username` for login,
 * `email` elsewhere), in its canonical form; routes without one (reset, verify, refresh) only have `address`.
 * @publicApi
 */
export interface RouteRateLimits {
  /** Per client address (an IPv6 address counts by its /64). */
  address?: RateLimitRule | false;
  /** Per client address and target email: the tight one, so one address cannot use up an email's allowance. */
  addressAndEmail?: RateLimitRule | false;
  /** Per target email, from any address: bounds distributed guessing and the mails sent to one inbox. */
  email?: RateLimitRule | false;
}

/**
 * `rateLimit` of the module options.
 * @publicApi
 */
export interface UsersAuthRateLimitOptions {
  /**
   * Where the counters live. Several instances share their limits only through a shared storage, e.g.
   * `new RedisThrottlerStorage(redis)` from `@nest-users/redis`.
   * @default in memory, per process (@nestjs/throttler's ThrottlerStorageService)
   */
  storage?: ThrottlerStorage;
  /** Limits per route kind, merged over the defaults (see README, "Rate limits"). @default DEFAULT_RATE_LIMITS */
  limits?: { [route in RateLimitedRoute]?: RouteRateLimits };
}
