import { assertKnownKeys, UsersAuthConfigurationError } from './errors/configuration.errors.js';
import { validateAuthenticatedOptions } from './guards/auth-requirements.js';
import type { UsersAuthRateLimitOptions } from './interfaces/rate-limit-options.interface.js';
import type {
  UsersAuthDtos,
  UsersAuthModuleExtras,
  UsersAuthModuleOptions,
  UsersAuthRoutes,
} from './interfaces/users-auth-module-options.interface.js';
import type { OAuthStateOptions } from './oauth/oauth-options.interface.js';

/** Throws a UsersAuthConfigurationError naming `where` when the value is of the wrong type; `undefined` is never checked. */
type Check = (value: unknown, where: string) => void;

const fail = (where: string, expected: string, value: unknown): never => {
  const got = Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value;
  throw new UsersAuthConfigurationError(`${where} must be ${expected}, got ${got}.`);
};
const boolean: Check = (value, where) => void (typeof value !== 'boolean' && fail(where, 'true or false', value));
const string: Check = (value, where) => void (typeof value !== 'string' && fail(where, 'a string', value));
const object: Check = (value, where) =>
  void ((typeof value !== 'object' || value === null || Array.isArray(value)) && fail(where, 'an object', value));
const array: Check = (value, where) => void (!Array.isArray(value) && fail(where, 'an array', value));
const type: Check = (value, where) => void (typeof value !== 'function' && fail(where, 'a class', value));
const strings: Check = (value, where) =>
  void ((!Array.isArray(value) || !value.every((item) => typeof item === 'string')) && fail(where, 'a list of names', value));
/** An object whose keys are all listed in `checks`, each checked. */
const shape =
  <T>(checks: { [K in keyof Required<T>]: Check }): Check =>
  (value, where) => {
    object(value, where);
    checkKeys(value as Record<string, unknown>, checks, where);
  };

/**
 * The options `forRootAsync`'s factory may return (and `forRoot` takes beside the extras). The one place to list a
 * new option: the mapped type makes the compiler ask for a check of every key of `UsersAuthModuleOptions`.
 */
export const MODULE_OPTION_CHECKS: { [K in keyof Required<UsersAuthModuleOptions>]: Check } = {
  backends: array,
  requiresVerification: boolean,
  argon2: object,
  passwordHelper: object,
  verifyToken: object,
  resetPasswordToken: object,
  requireCurrentPassword: boolean,
  userCache: object,
  // Routes, counters and rules are checked where the limits are resolved (rate-limit.defaults.ts).
  rateLimit: (value, where) =>
    typeof value === 'boolean' ? undefined : shape<UsersAuthRateLimitOptions>(RATE_LIMIT_CHECKS)(value, where),
  // Each provider is checked where the OAuth routes resolve it (oauth/oauth-providers.ts).
  oauth: array,
  oauthState: shape<OAuthStateOptions>({
    secret: () => undefined,
    lifetimeSeconds: () => undefined,
    cookieName: string,
    cookieSecure: boolean,
  }),
  oauthTokenKeys: strings,
};

const RATE_LIMIT_CHECKS: { [K in keyof Required<UsersAuthRateLimitOptions>]: Check } = { storage: object, limits: object };

const ROUTE_CHECKS: { [K in keyof Required<UsersAuthRoutes>]: Check } = {
  authPath: string,
  registerPath: string,
  verifyPath: string,
  resetPasswordPath: string,
  usersPath: string,
  register: boolean,
  verify: boolean,
  resetPassword: boolean,
  users: boolean,
  jwks: boolean,
  jwksPath: string,
};

const DTO_CHECKS: { [K in keyof Required<UsersAuthDtos>]: Check } = { create: type, update: type, adminUpdate: type, read: type };

/** The options fixed when the module is defined (`forRoot`, `forRootAsync` itself); same rule as above. */
export const MODULE_EXTRA_CHECKS: { [K in keyof Required<UsersAuthModuleExtras>]: Check } = {
  isGlobal: boolean,
  imports: array,
  userManager: type,
  globalGuard: (value, where) => (typeof value === 'boolean' ? undefined : validateAuthenticatedOptions(value, where)),
  routes: shape<UsersAuthRoutes>(ROUTE_CHECKS),
  dto: shape<UsersAuthDtos>(DTO_CHECKS),
  backendNames: strings,
  oauthNames: strings,
};

/** What `forRootAsync` itself takes besides the extras (Nest's ConfigurableModuleAsyncOptions). */
const ASYNC_DEFINITION_CHECKS: Record<string, Check> = {
  inject: array,
  useFactory: (value, where) => void (typeof value !== 'function' && fail(where, 'a function', value)),
  useClass: type,
  useExisting: () => undefined,
  provideInjectionTokensFrom: array,
};

function checkKeys(value: Record<string, unknown>, checks: Record<string, Check>, where: string): void {
  assertKnownKeys(value, Object.keys(checks), where);
  for (const [key, check] of Object.entries(checks)) {
    if (value[key] !== undefined) check(value[key], `${where}.${key}`);
  }
}

/**
 * `forRoot`'s argument: extras and options together. Unknown keys (`globalGaurd`) and wrong types fail at once.
 * @throws UsersAuthConfigurationError
 */
export function validateForRootOptions(options: unknown): void {
  object(options, 'UsersAuthModule.forRoot()');
  checkKeys(options as Record<string, unknown>, { ...MODULE_EXTRA_CHECKS, ...MODULE_OPTION_CHECKS }, 'UsersAuthModule.forRoot()');
}

/**
 * `forRootAsync`'s argument: the extras and Nest's async definition (`imports`, `inject`, `useFactory`...).
 * @throws UsersAuthConfigurationError
 */
export function validateForRootAsyncOptions(options: unknown): void {
  object(options, 'UsersAuthModule.forRootAsync()');
  checkKeys(
    options as Record<string, unknown>,
    { ...MODULE_EXTRA_CHECKS, ...ASYNC_DEFINITION_CHECKS },
    'UsersAuthModule.forRootAsync()',
  );
}

/**
 * What the factory returned (or `forRoot` left after the extras). An extra there would be ignored: say where it goes.
 * @throws UsersAuthConfigurationError
 */
export function validateModuleOptions(options: unknown): void {
  const where = 'UsersAuthModule options (the forRootAsync factory)';
  object(options, where);
  for (const key of Object.keys(options as object)) {
    if (key in MODULE_EXTRA_CHECKS) {
      throw new UsersAuthConfigurationError(
        `${where}: "${key}" shapes routes and guards, so it goes to forRootAsync({ ${key} }) itself.`,
      );
    }
  }
  checkKeys(options as Record<string, unknown>, MODULE_OPTION_CHECKS, where);
}
