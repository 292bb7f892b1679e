import passport from 'passport';
import { UsersAuthConfigurationError } from '../errors/configuration.errors.js';
import { forbidden } from '../http/http-errors.js';
import type { UserProtocol } from '../interfaces/user.interface.js';
import type { TokenCarrier } from '../transport/transport.interface.js';
import type { AuthenticationBackend } from './authentication-backend.js';

/** One module instance's strategy for a passport name, and how to tell its requests apart. */
export interface PassportRegistration {
  backend: AuthenticationBackend<any, any>;
  /** The strategy that turns the request's token into a user (`createBackendPassportStrategy`). */
  strategy: passport.Strategy;
  /** The module's `requiresVerification`. */
  requiresVerification: boolean;
  /** The app's Node server and its Express or Fastify instance, once they exist. */
  owners(): readonly unknown[];
}

type RequestLike = TokenCarrier & {
  socket?: { server?: unknown };
  raw?: { socket?: { server?: unknown } };
  app?: unknown;
  server?: unknown;
};
type Outcomes = Pick<passport.StrategyCreatedStatic, 'success' | 'fail' | 'error' | 'pass' | 'redirect'>;

/**
 * What passport's process-wide registry holds under `users-auth:<name>`: one dispatcher per name, handing each request
 * to the module instance of the app that received it, so two apps in one process (e2e suites, several apps) never
 * verify each other's tokens. Then it applies `@Authenticated()`'s defaults to the user the strategy found: active
 * (else 401), verified when the module requires it and a trusted origin for cookie transports (else 403).
 */
class BackendPassportDispatcher extends passport.Strategy {
  readonly registrations = new Set<PassportRegistration>();

  constructor(override readonly name: string) {
    super();
  }

  override authenticate(this: passport.StrategyCreated<this> & this, request: never, options?: unknown): void {
    const registration = this.pick(request as RequestLike);
    if (!registration) {
      return this.error(
        new UsersAuthConfigurationError(
          `Passport strategy "${this.name}": the request reached an app whose UsersAuthModule has no such backend.`,
        ),
      );
    }
    const outcomes: Outcomes = {
      success: (user, info) => this.accept(registration, request as RequestLike, user as UserProtocol<unknown>, info),
      fail: (...args: Parameters<Outcomes['fail']>) => this.fail(...args),
      error: (error) => this.error(error),
      pass: () => this.pass(),
      redirect: (url, status) => this.redirect(url, status),
    };
    const run = Object.assign(Object.create(registration.strategy) as passport.Strategy, outcomes);
    run.authenticate(request, options);
  }

  /** The registration of the app that received `request`; the only one when the request cannot tell (light-my-request). */
  private pick(request: RequestLike): PassportRegistration | undefined {
    const owners = [request.socket?.server, request.raw?.socket?.server, request.app, request.server].filter(Boolean);
    for (const registration of this.registrations) {
      if (registration.owners().some((owner) => owners.includes(owner))) return registration;
    }
    return owners.length === 0 && this.registrations.size === 1 ? [...this.registrations][0] : undefined;
  }

  private accept(
    this: passport.StrategyCreated<this> & this,
    registration: PassportRegistration,
    request: RequestLike,
    user: UserProtocol<unknown>,
    info?: object,
  ): void {
    if (!user?.isActive) return this.fail(401);
    if (registration.requiresVerification && !user.isVerified) return this.error(forbidden());
    // A cookie rides along with cross-site requests: a state change must come from the app's own pages (CSRF).
    if (!registration.backend.transport.isTrustedOrigin(request)) return this.error(forbidden());
    this.success(user as Express.User, info);
  }
}

const dispatchers = new Map<string, BackendPassportDispatcher>();

/**
 * Registers a module instance's strategy under `name` in passport's default instance (the one `AuthGuard(name)` of
 * @nestjs/passport uses). Returns the function that takes it back; the last one out also removes the name.
 */
export function registerWithPassport(name: string, registration: PassportRegistration): () => void {
  let dispatcher = dispatchers.get(name);
  if (!dispatcher) {
    dispatcher = new BackendPassportDispatcher(name);
    dispatchers.set(name, dispatcher);
    passport.use(name, dispatcher);
  }
  dispatcher.registrations.add(registration);
  return () => {
    dispatcher.registrations.delete(registration);
    if (dispatcher.registrations.size === 0 && dispatchers.get(name) === dispatcher) {
      dispatchers.delete(name);
      passport.unuse(name);
    }
  };
}
