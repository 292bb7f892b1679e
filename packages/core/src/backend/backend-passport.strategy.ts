import passport from 'passport';
import type { Algorithm } from 'jsonwebtoken';
import { Strategy as PassportJwtStrategy, type StrategyOptionsWithoutRequest } from 'passport-jwt';
import type { UserProtocol } from '../interfaces/user.interface.js';
import { JwtStrategy } from '../strategy/jwt.strategy.js';
import type { UserLookup } from '../strategy/strategy.interface.js';
import type { AuthenticationBackend } from './authentication-backend.js';

/** The passport name of a backend's strategy: `AuthGuard('users-auth:jwt')` from @nestjs/passport works. @publicApi */
export function getPassportStrategyName(backendName: string): string {
  return `users-auth:${backendName}`;
}

/**
 * Registers the backend with passport, for apps that use `AuthGuard(name)` from @nestjs/passport. Glue only: the
 * transport finds the token and the backend's strategy decides what it means. `UsersAuthGuard` does not go through
 * passport's process-wide registry, so two apps in one process never see each other's backends.
 */
export function registerPassportStrategy<U extends UserProtocol<ID>, ID>(
  backend: AuthenticationBackend<U, ID>,
  users: UserLookup<U, ID>,
): passport.Strategy {
  const strategy =
    backend.strategy instanceof JwtStrategy
      ? createPassportJwtStrategy(backend, backend.strategy, users)
      : new TokenPassportStrategy(backend, users);
  passport.use(getPassportStrategyName(backend.name), strategy);
  return strategy;
}

function createPassportJwtStrategy<U extends UserProtocol<ID>, ID>(
  backend: AuthenticationBackend<U, ID>,
  jwt: JwtStrategy<U, ID>,
  users: UserLookup<U, ID>,
): passport.Strategy {
  const { complete: _complete, algorithms, audience, ...jsonWebTokenOptions } = jwt.verifyOptions;
  const options: StrategyOptionsWithoutRequest = {
    jwtFromRequest: (request) => {
      const token = backend.transport.extractToken(request);
      return token && jwt.isWellFormed(token) ? token : null;
    },
    // A KeyObject, not a string: see createHmacKey. The typings only admit string | Buffer.
    secretOrKey: jwt.key as unknown as string,
    algorithms: algorithms as Algorithm[],
    audience: audience as string[],
    jsonWebTokenOptions,
    ignoreExpiration: false,
  };
  return new PassportJwtStrategy(options, (payload: object, done: (error: unknown, user?: unknown) => void) => {
    // Same rule as UsersAuthGuard's default: an inactive user is no user.
    jwt.userFromPayload(payload, users).then((user) => done(null, user?.isActive ? user : false), done);
  });
}

/** A passport strategy for any token strategy (database, Redis…). */
class TokenPassportStrategy<U extends UserProtocol<ID>, ID> extends passport.Strategy {
  constructor(
    private readonly backend: AuthenticationBackend<U, ID>,
    private readonly users: UserLookup<U, ID>,
  ) {
    super();
  }

  override authenticate(request: Parameters<passport.Strategy['authenticate']>[0]): void {
    const token = this.backend.transport.extractToken(request as never);
    if (!token) return this.fail(401);
    this.backend.strategy.readToken(token, this.users).then(
      (user) => (user?.isActive ? this.success(user) : this.fail(401)),
      (error) => this.error(error),
    );
  }
}
