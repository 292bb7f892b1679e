/**
 * What a route requires of its caller (fastapi-users' `current_user(...)` arguments).
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
}
