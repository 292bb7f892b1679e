import passport from 'passport';
import type { Algorithm, Jwt } from 'jsonwebtoken';
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
 * The passport strategy of one backend, for apps that use `AuthGuard(name)` from @nestjs/passport. Glue only: the
 * transport finds the token and the backend's strategy decides what it means. It is not registered here:
 * `BackendPassportRegistration` puts it behind the per-name dispatcher (backend-passport.dispatcher.ts), which also
 * applies the route defaults (verification, CSRF origin).
 */
export function createBackendPassportStrategy<U extends UserProtocol<ID>, ID>(
  backend: AuthenticationBackend<U, ID>,
  users: UserLookup<U, ID>,
): passport.Strategy {
  // EdDSA is verified by JwtStrategy itself (jsonwebtoken 9 has no EdDSA): the generic strategy delegates to it.
  return backend.strategy instanceof JwtStrategy && backend.strategy.algorithm !== 'EdDSA'
    ? createPassportJwtStrategy(backend, backend.strategy, users)
    : new TokenPassportStrategy(backend, users);
}

function createPassportJwtStrategy<U extends UserProtocol<ID>, ID>(
  backend: AuthenticationBackend<U, ID>,
  jwt: JwtStrategy<U, ID>,
  users: UserLookup<U, ID>,
): passport.Strategy {
  // `complete: true` stays: the verify callback gets the header too, to check the fingerprint with the token's key.
  const { algorithms, audience, ...jsonWebTokenOptions } = jwt.verifyOptions;
  const options: StrategyOptionsWithoutRequest = {
    jwtFromRequest: (request) => {
      const token = backend.transport.extractToken(request);
      return token && jwt.isWellFormed(token) ? token : null;
    },
    // The key named by the token's `kid`, among the backend's configured keys only, as a KeyObject (a secret for
    // HS*, a public key otherwise) fixed at boot: never a key chosen by the header's `alg`, never any I/O.
    secretOrKeyProvider: (_request: unknown, rawJwtToken: string, done: (error: unknown, key?: unknown) => void) => {
      const key = jwt.keyForToken(rawJwtToken);
      if (key) done(null, key);
      else done(new Error('No configured key for this token'));
    },
    algorithms: algorithms as Algorithm[],
    audience: audience as string[],
    jsonWebTokenOptions,
    ignoreExpiration: false,
  } as StrategyOptionsWithoutRequest;
  return new PassportJwtStrategy(options, (decoded: Jwt, done: (error: unknown, user?: unknown) => void) => {
    const { header, payload } = decoded;
    if (!jwt.isUnderstoodHeader(header) || typeof payload !== 'object' || payload === null) return done(null, false);
    // Same rule as UsersAuthGuard's default: an inactive user is no user.
    jwt.userFromPayload(payload, users, header.kid).then((user) => done(null, user?.isActive ? user : false), done);
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
