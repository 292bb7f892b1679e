import type { UserProtocol } from '../interfaces/user.interface.js';
import { JwtStrategy, type JwtStrategyOptions } from '../strategy/jwt.strategy.js';
import { BearerTransport } from '../transport/bearer.transport.js';
import { AuthenticationBackend } from './authentication-backend.js';

/** @publicApi */
export interface JwtAuthenticationOptions extends JwtStrategyOptions {
  /** Backend name. @default 'jwt' */
  name?: string;
  /** Token URL shown in Swagger. @default the real login path, global prefix included */
  tokenUrl?: string;
}

/**
 * The common case in one line: bearer header + JWT.
 * `new JwtAuthentication({ secret, lifetimeSeconds })` is exactly
 * `new AuthenticationBackend({ name: 'jwt', transport: new BearerTransport(), strategy: new JwtStrategy({ secret, lifetimeSeconds }) })`.
 * Key pairs: `new JwtAuthentication({ algorithm: 'ES256', keys: [{ kid: '2026-02', privateKey }, { kid: '2026-01',
 * publicKey }], fingerprintSecret, lifetimeSeconds })` signs with `2026-02` and still accepts tokens of `2026-01`.
 * @publicApi
 */
export class JwtAuthentication<U extends UserProtocol<ID> = UserProtocol<any>, ID = U['id']> extends AuthenticationBackend<
  U,
  ID
> {
  declare readonly strategy: JwtStrategy<U, ID>;

  constructor({ name = 'jwt', tokenUrl, ...strategy }: JwtAuthenticationOptions) {
    super({
      name,
      tokenUrl,
      transport: new BearerTransport(),
      strategy: new JwtStrategy<U, ID>(strategy, `Backend "${name}"`),
    });
  }
}
