import { UsersAuthConfigurationError } from '../errors/configuration.errors.js';
import { StrategyDestroyNotSupportedError, TransportLogoutNotSupportedError } from '../errors/not-supported.errors.js';
import type { UserProtocol } from '../interfaces/user.interface.js';
import type { Strategy } from '../strategy/strategy.interface.js';
import type { Transport, TransportResponse } from '../transport/transport.interface.js';

/** @publicApi */
export interface AuthenticationBackendOptions<U extends UserProtocol<ID>, ID = U['id']> {
  /** Unique name: the route `/auth/<name>/login`, the Swagger scheme and the passport strategy `users-auth:<name>`. */
  name: string;
  transport: Transport;
  strategy: Strategy<U, ID>;
  /** Token URL shown in Swagger; only needed behind a proxy that rewrites paths. @default the real login path */
  tokenUrl?: string;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/**
 * A transport (where the token travels) plus a strategy (what the token is), under a name.
 * @publicApi
 */
export class AuthenticationBackend<U extends UserProtocol<ID> = UserProtocol<any>, ID = U['id']> {
  readonly name: string;
  readonly transport: Transport;
  readonly strategy: Strategy<U, ID>;
  readonly tokenUrl?: string;

  constructor(options: AuthenticationBackendOptions<U, ID>) {
    if (typeof options.name !== 'string' || !NAME.test(options.name)) {
      throw new UsersAuthConfigurationError(
        `Backend name "${String(options.name)}" is not usable in a URL: use letters, digits, "-" and "_" only.`,
      );
    }
    this.name = options.name;
    this.transport = options.transport;
    this.strategy = options.strategy;
    this.tokenUrl = options.tokenUrl;
  }

  async login(user: U): Promise<TransportResponse> {
    return this.transport.loginResponse(await this.strategy.writeToken(user));
  }

  async logout(token: string, user: U): Promise<TransportResponse> {
    try {
      await this.strategy.destroyToken(token, user);
    } catch (error) {
      if (!(error instanceof StrategyDestroyNotSupportedError)) throw error;
    }
    try {
      return this.transport.logoutResponse();
    } catch (error) {
      if (error instanceof TransportLogoutNotSupportedError) return { status: 204 };
      throw error;
    }
  }
}
