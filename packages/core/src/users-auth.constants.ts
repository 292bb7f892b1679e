/** Prefix of the default `aud` of access tokens: each backend adds its name (see `backendAudience`). */
export const DEFAULT_AUTH_AUDIENCE = 'nest-users:auth';

/** The default `aud` of a backend's access tokens, `nest-users:auth:<name>`: no other backend accepts them. */
export function backendAudience(backendName: string): string {
  return `${DEFAULT_AUTH_AUDIENCE}:${backendName}`;
}

/** Metadata written by `@Authenticated()` and read by `UsersAuthGuard`. */
export const AUTHENTICATED_METADATA = 'users-auth:authenticated';
/** Metadata written by `@Public()`. */
export const PUBLIC_METADATA = 'users-auth:public';

/** OpenAPI extensions the decorators leave for `UsersAuthModule.setupSwagger` to turn into security requirements. */
export const OPENAPI_AUTH_EXTENSION = 'x-users-auth';

/** The `UserRepository` as the `UserManager` uses it: the module's, behind the user cache when `userCache` is set. */
export const MANAGED_USER_REPOSITORY = Symbol('nest-users:ManagedUserRepository');

/** The validated, ordered list of backends. */
export const AUTH_BACKENDS = Symbol('nest-users:AuthBackends');
/** The module's options, resolved once (`ResolvedUsersAuthOptions`): what every component of the module reads. */
export const USERS_AUTH_OPTIONS = Symbol('nest-users:Options');

/** Where the guard leaves the backend and token that authenticated a request. */
export const AUTH_CONTEXT = Symbol('nest-users:AuthContext');
/** Where the guard leaves the requirements it enforced (also on an optional route without a user). */
export const AUTH_REQUIREMENTS = Symbol('nest-users:AuthRequirements');
