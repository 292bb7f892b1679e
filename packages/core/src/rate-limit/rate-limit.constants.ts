/** Metadata naming the route kind `@RateLimited()` counts a handler under. */
export const RATE_LIMITED_ROUTE = 'users-auth:rate-limited-route';
/** Resolved `rateLimit` option (RateLimitSettings). */
export const RATE_LIMIT_SETTINGS = Symbol('nest-users:RateLimitSettings');
/** The ThrottlerStorage the counters live in. */
export const RATE_LIMIT_STORAGE = Symbol('nest-users:RateLimitStorage');
