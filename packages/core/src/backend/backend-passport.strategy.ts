import passport from 'passport';
import type { Algorithm } from 'jsonwebtoken';
import { Strategy as PassportJwtStrategy, type StrategyOptionsWithRequest } from 'passport-jwt';
import type { UserProtocol } from '../interfaces/user.interface.js';
import { JwtStrategy } from '../strategy/jwt.strategy.js';
import type { UserLookup } from '../strategy/strategy.interface.js';
import type { AuthenticationBackend } from './authentication-backend.js';

// Kept in a file of its own, free of passport's types, so the public .d.ts never needs @types/passport.
export { getPassportStrategyName } from './passport-strategy-name.util.js';

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
  // passport-jwt verifies through jsonwebtoken, which has no EdDSA: EdDSA backends get the generic strategy, which
  // delegates to JwtStrategy (and so to the same codec).
  return backend.strategy instanceof JwtStrategy && backend.strategy.algorithm !== 'EdDSA'
    ? createPassportJwtStrategy(backend, backend.strategy, users)
    : new TokenPassportStrategy(backend, users);
}

/**
 * passport-jwt, deciding nothing on its own: the codec picks the key (by `kid`, among the configured keys, never by
 * the header's `alg`, never with I/O), and the verify callback accepts only what `JwtStrategy.readToken` accepts for
 * the same token (the codec's header, signature and claim checks, then the user and its password fingerprint). So a
 * token passes here exactly when it passes the codec and jsonwebtoken both; `backend-passport.strategy.spec.ts`
 * runs one table of tokens through this and through the strategy to show they never differ.
 */
function createPassportJwtStrategy<U extends UserProtocol<ID>, ID>(
  backend: AuthenticationBackend<U, ID>,
  jwt: JwtStrategy<U, ID>,
  users: UserLookup<U, ID>,
): passport.Strategy {
  const codec = jwt.codec;
  const options: StrategyOptionsWithRequest = {
    jwtFromRequest: (request) => backend.transport.extractToken(request),
    secretOrKeyProvider: (_request: unknown, rawJwtToken: string, done: (error: unknown, key?: unknown) => void) => {
      const key = codec.keyFor(rawJwtToken);
      if (key) done(null, key);
      else done(new Error('No configured key for this token'));
    },
    algorithms: [codec.algorithm as Algorithm],
    audience: [...codec.audience],
    jsonWebTokenOptions: { clockTolerance: 0 },
    ignoreExpiration: false,
    passReqToCallback: true,
  } as StrategyOptionsWithRequest;
  return new PassportJwtStrategy(
    options,
    (request: unknown, _payload: unknown, done: (error: unknown, user?: unknown) => void) => {
      const token = backend.transport.extractToken(request as never);
      if (!token) return done(null, false);
      // Same rule as UsersAuthGuard's default: an inactive user is no user.
      jwt.readToken(token, users).then((user) => done(null, user?.isActive ? user : false), done);
    },
  );
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
