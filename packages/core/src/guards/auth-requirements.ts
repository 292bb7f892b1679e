import { assertKnownKeys, UsersAuthConfigurationError } from '../errors/configuration.errors.js';
import type { AuthenticatedOptions } from '../interfaces/authenticated-options.interface.js';
import { AUTHENTICATED_METADATA, PUBLIC_METADATA } from '../users-auth.constants.js';

/** What a route requires once the global guard's, the class's and the handler's requirements are combined. */
export interface RouteRequirements {
  readonly active: boolean;
  readonly verified: boolean;
  readonly superuser: boolean;
  readonly optional: boolean;
  /** The backends that may authenticate, in the module's order; `undefined` means every backend. */
  readonly backends?: readonly string[];
}

/** What the module contributes to every route: its backends and its `requiresVerification`. */
export interface RequirementDefaults {
  backendNames: readonly string[];
  requiresVerification: boolean;
  /** The `globalGuard` requirements, when the module's global guard is on. */
  global?: AuthenticatedOptions;
}

/** One source of requirements, named for error messages. */
interface Level {
  source: string;
  options: AuthenticatedOptions;
}

const FLAGS = ['active', 'verified', 'superuser'] as const;
const KNOWN_KEYS: ReadonlyArray<keyof AuthenticatedOptions> = [...FLAGS, 'optional', 'backends', 'override'];

/**
 * Checks the shape of `@Authenticated()` options or of `globalGuard`: known keys, booleans, a non-empty list of
 * backend names. Backend names themselves are checked against the module at startup.
 * @throws UsersAuthConfigurationError
 */
export function validateAuthenticatedOptions(options: unknown, where: string): asserts options is AuthenticatedOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new UsersAuthConfigurationError(`${where}: expected an options object, got ${describe(options)}.`);
  }
  assertKnownKeys(options, KNOWN_KEYS, where);
  const record = options as Record<string, unknown>;
  for (const key of [...FLAGS, 'optional', 'override']) {
    if (record[key] !== undefined && typeof record[key] !== 'boolean') {
      throw new UsersAuthConfigurationError(`${where}: "${key}" must be true or false, got ${describe(record[key])}.`);
    }
  }
  const { backends } = record;
  if (backends !== undefined) {
    if (!Array.isArray(backends) || backends.length === 0 || !backends.every((name) => typeof name === 'string' && name)) {
      throw new UsersAuthConfigurationError(
        `${where}: "backends" must be a non-empty list of backend names, got ${describe(backends)}.`,
      );
    }
  }
}

/** `@Authenticated()` requirements stored on a class or a handler, outermost first. */
export function readAuthenticated(target: object): readonly AuthenticatedOptions[] {
  return (Reflect.getMetadata(AUTHENTICATED_METADATA, target) as AuthenticatedOptions[] | undefined) ?? [];
}

export function readPublic(target: object): boolean {
  return Reflect.getMetadata(PUBLIC_METADATA, target) === true;
}

/**
 * The requirements of the route `handler` of `controller`, or `undefined` when it is `@Public()`.
 * `@Public()` on the handler opens it; `@Public()` on the class opens the handlers without their own
 * `@Authenticated()`. Every other route combines the global guard's, the class's and the handler's requirements.
 * @throws UsersAuthConfigurationError for `@Public()` with `@Authenticated()` on one target, an unknown backend, a
 * relaxation without `override: true`, or backends that leave nothing to authenticate with.
 */
export function resolveRouteRequirements(
  controller: Function,
  handler: Function,
  defaults: RequirementDefaults,
): RouteRequirements | undefined {
  const route = `${controller.name}.${handler.name}`;
  const handlerLevels = readAuthenticated(handler);
  const classLevels = readAuthenticated(controller);
  const handlerPublic = readPublic(handler);
  const classPublic = readPublic(controller);
  if (handlerPublic && handlerLevels.length) {
    throw new UsersAuthConfigurationError(`${route} is both @Public() and @Authenticated(): keep the one you mean.`);
  }
  if (classPublic && classLevels.length) {
    throw new UsersAuthConfigurationError(`${controller.name} is both @Public() and @Authenticated(): keep the one you mean.`);
  }
  if (handlerPublic || (classPublic && !handlerLevels.length)) return undefined;
  const levels: Level[] = [
    ...(defaults.global ? [{ source: 'globalGuard', options: defaults.global }] : []),
    ...(classPublic ? [] : classLevels.map((options) => ({ source: `@Authenticated() on ${controller.name}`, options }))),
    ...handlerLevels.map((options) => ({ source: `@Authenticated() on ${route}`, options })),
  ];
  return combineRequirements(levels, defaults, route);
}

/** The requirements of a route without any `@Authenticated()` or `@Public()`, where the guard runs anyway. */
export function defaultRouteRequirements(defaults: RequirementDefaults): RouteRequirements {
  return combineRequirements(
    defaults.global ? [{ source: 'globalGuard', options: defaults.global }] : [],
    defaults,
    'every route',
  );
}

/**
 * Combines levels, outermost first, starting from the module's defaults: the stricter value wins. A level's explicit
 * relaxation (`verified: false` under a verified class, `optional: true` under a global guard) that would be
 * silently lost is refused instead, naming `override: true`, which makes the level's values replace the outer ones.
 */
export function combineRequirements(levels: readonly Level[], defaults: RequirementDefaults, route: string): RouteRequirements {
  const result = {
    active: true,
    verified: defaults.requiresVerification,
    superuser: false,
    optional: undefined as boolean | undefined,
    backends: undefined as readonly string[] | undefined,
  };
  for (const { source, options } of levels) {
    for (const name of options.backends ?? []) {
      if (!defaults.backendNames.includes(name)) {
        throw new UsersAuthConfigurationError(
          `${source}: backend "${name}" does not exist; this module has [${defaults.backendNames.join(', ')}].`,
        );
      }
    }
    for (const flag of FLAGS) {
      const value = options[flag];
      if (value === undefined) continue;
      if (options.override || value) result[flag] = value;
      else if (result[flag])
        throw relaxation(source, route, `${flag}: false`, `an outer level (or the module default) requires ${flag}`);
    }
    if (options.override && options.optional !== undefined) result.optional = options.optional;
    else if (options.optional && result.optional === false) {
      throw relaxation(source, route, 'optional: true', 'an outer level requires a user');
    } else result.optional = (result.optional ?? true) && options.optional === true;
    if (options.backends) {
      const allowed = result.backends;
      const chosen = options.override || !allowed ? options.backends : options.backends.filter((name) => allowed.includes(name));
      result.backends = defaults.backendNames.filter((name) => chosen.includes(name));
      if (!result.backends.length) {
        throw new UsersAuthConfigurationError(
          `${source}: no backend is left for ${route} (backends [${options.backends.join(', ')}] inside [${allowed!.join(', ')}]).`,
        );
      }
    }
  }
  return Object.freeze({ ...result, optional: result.optional ?? false });
}

function relaxation(source: string, route: string, value: string, reason: string): UsersAuthConfigurationError {
  return new UsersAuthConfigurationError(
    `${source}: "${value}" would relax ${route}, but ${reason}. Requirements combine and the stricter wins; ` +
      `to relax on purpose write \`@Authenticated({ ${value}, override: true })\`.`,
  );
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'string'
    ? JSON.stringify(value)
    : typeof value === 'object'
      ? 'an object'
      : `${typeof value} ${String(value)}`;
}

/**
 * The requirements of a whole class, e.g. a gateway's handshake: the global guard's and the class's, or `undefined`
 * when the class is `@Public()`.
 * @throws UsersAuthConfigurationError as `resolveRouteRequirements` does.
 */
export function resolveClassRequirements(target: Function, defaults: RequirementDefaults): RouteRequirements | undefined {
  const levels = readAuthenticated(target);
  if (readPublic(target)) {
    if (levels.length) {
      throw new UsersAuthConfigurationError(`${target.name} is both @Public() and @Authenticated(): keep the one you mean.`);
    }
    return undefined;
  }
  return combineRequirements(
    [
      ...(defaults.global ? [{ source: 'globalGuard', options: defaults.global }] : []),
      ...levels.map((options) => ({ source: `@Authenticated() on ${target.name}`, options })),
    ],
    defaults,
    target.name,
  );
}
