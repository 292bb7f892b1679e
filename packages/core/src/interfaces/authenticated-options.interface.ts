/**
 * What a route requires of its caller (fastapi-users' `current_user(...)` arguments). The global guard's, the
 * class's and the handler's requirements combine and the stricter wins: `active`, `verified` and `superuser` are
 * OR'ed, `backends` are intersected, `optional` holds only if every level says so. Only `override: true` relaxes.
 * @publicApi
 */
export interface AuthenticatedOptions {
  /** Refuse inactive users with 401. @default true */
  active?: boolean;
  /** Refuse unverified users with 403. @default the module's `requiresVerification` */
  verified?: boolean;
  /** Refuse non-superusers with 403. @default false */
  superuser?: boolean;
  /** Let anonymous callers through with `user` set to `null` instead of answering 401/403. @default false */
  optional?: boolean;
  /** Only these backends may authenticate, tried in the module's order. @default every backend */
  backends?: string[];
  /**
   * The values set here replace those of the levels above (module defaults, global guard, class) instead of
   * combining with them: the one, greppable way to relax a requirement (e.g. `{ verified: false, override: true }`).
   * @default false
   */
  override?: boolean;
}
