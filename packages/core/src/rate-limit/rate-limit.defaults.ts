import { UsersAuthConfigurationError } from '../errors/configuration.errors.js';
import type {
  RateLimitedRoute,
  RateLimitRule,
  RouteRateLimits,
  UsersAuthRateLimitOptions,
} from '../interfaces/rate-limit-options.interface.js';

/**
 * The limits the module applies unless told otherwise (see README, "Rate limits", for the reasoning).
 *
 * - login: an address gets 5 tries per email and 20 in all per minute; an email gets 20 per minute from everywhere.
 *   Refused tries count for nothing, so one address feeds at most 5 a minute into the email's counter: locking a
 *   victim out takes at least four addresses working together, and ends a minute after they stop.
 * - forgot-password and request-verify-token send mail: 3 per email per 15 minutes. The mail goes to the stored
 *   address whoever asked, so mails an attacker triggered are the victim's to use: this limit cannot lock anyone out.
 * - reset-password, verify and refresh carry a token, not an email: per address only.
 * - the OAuth routes (every provider, login and associate flows together) carry no email either: per address, 20
 *   authorize and 20 callback requests a minute. A callback makes the server call the provider (token exchange,
 *   JWKS), so this bounds what one address can make the server send; a person signing in needs one of each.
 * @publicApi
 */
export const DEFAULT_RATE_LIMITS: Readonly<Record<RateLimitedRoute, Readonly<Required<RouteRateLimits>>>> = Object.freeze({
  login: {
    address: { limit: 20, windowSeconds: 60 },
    addressAndEmail: { limit: 5, windowSeconds: 60 },
    email: { limit: 20, windowSeconds: 60 },
  },
  register: { address: { limit: 5, windowSeconds: 60 }, addressAndEmail: false, email: { limit: 5, windowSeconds: 60 } },
  forgotPassword: { address: { limit: 10, windowSeconds: 60 }, addressAndEmail: false, email: { limit: 3, windowSeconds: 900 } },
  requestVerifyToken: {
    address: { limit: 10, windowSeconds: 60 },
    addressAndEmail: false,
    email: { limit: 3, windowSeconds: 900 },
  },
  resetPassword: { address: { limit: 10, windowSeconds: 60 }, addressAndEmail: false, email: false },
  verify: { address: { limit: 10, windowSeconds: 60 }, addressAndEmail: false, email: false },
  refresh: { address: { limit: 60, windowSeconds: 60 }, addressAndEmail: false, email: false },
  oauthAuthorize: { address: { limit: 20, windowSeconds: 60 }, addressAndEmail: false, email: false },
  oauthCallback: { address: { limit: 20, windowSeconds: 60 }, addressAndEmail: false, email: false },
});

/** The counters, in the order they are checked: a request refused by one is not counted by the next. */
export const RATE_LIMIT_COUNTERS = ['address', 'addressAndEmail', 'email'] as const;
export type RateLimitCounter = (typeof RATE_LIMIT_COUNTERS)[number];

/** `rateLimit` resolved: off, or every route's every counter. */
export type RateLimitSettings =
  | { enabled: false }
  | {
      enabled: true;
      storage?: UsersAuthRateLimitOptions['storage'];
      limits: Record<RateLimitedRoute, Record<RateLimitCounter, RateLimitRule | false>>;
    };

/** @throws UsersAuthConfigurationError for an unknown route or counter, or a rule that is not positive numbers */
export function resolveRateLimit(option: boolean | UsersAuthRateLimitOptions | undefined): RateLimitSettings {
  if (option === false) return { enabled: false };
  const given = option === true || option === undefined ? {} : option;
  for (const [route, counters] of Object.entries(given.limits ?? {})) {
    if (!(route in DEFAULT_RATE_LIMITS))
      throw invalid(`unknown route "${route}" (one of ${Object.keys(DEFAULT_RATE_LIMITS).join(', ')})`);
    for (const [counter, rule] of Object.entries(counters ?? {})) assertRule(`${route}.${counter}`, counter, rule);
  }
  const limits = Object.fromEntries(
    Object.entries(DEFAULT_RATE_LIMITS).map(([route, defaults]) => [
      route,
      { ...defaults, ...given.limits?.[route as RateLimitedRoute] },
    ]),
  ) as Record<RateLimitedRoute, Record<RateLimitCounter, RateLimitRule | false>>;
  return { enabled: true, storage: given.storage, limits };
}

function assertRule(path: string, counter: string, rule: unknown): void {
  if (!(RATE_LIMIT_COUNTERS as readonly string[]).includes(counter)) {
    throw invalid(`unknown counter "${path}" (one of ${RATE_LIMIT_COUNTERS.join(', ')})`);
  }
  if (rule === false) return;
  const { limit, windowSeconds, blockSeconds } = (rule ?? {}) as Partial<RateLimitRule>;
  const positive = (value: unknown) => typeof value === 'number' && Number.isFinite(value) && value > 0;
  if (
    !positive(limit) ||
    !Number.isInteger(limit) ||
    !positive(windowSeconds) ||
    (blockSeconds !== undefined && !positive(blockSeconds))
  ) {
    throw invalid(`"${path}" must be false or { limit: a positive integer, windowSeconds: > 0, blockSeconds?: > 0 }`);
  }
}

function invalid(problem: string): UsersAuthConfigurationError {
  return new UsersAuthConfigurationError(`UsersAuthModule rateLimit: ${problem}.`);
}
