import { randomUUID } from 'node:crypto';
import { UsersAuthConfigurationError } from '../errors/configuration.errors.js';
import { StrategyDestroyNotSupportedError, TransportLogoutNotSupportedError } from '../errors/not-supported.errors.js';
import type { UserProtocol } from '../interfaces/user.interface.js';
import { hashToken, isOpaqueToken, issueStoredToken, userOfStoredToken } from '../strategy/stored-token.util.js';
import type { Strategy, UserLookup } from '../strategy/strategy.interface.js';
import type { TokenStore } from '../strategy/token-store.interface.js';
import type { IssuedRefreshToken, Transport, TransportResponse } from '../transport/transport.interface.js';

/** Refresh tokens of a backend: opaque, stored as hashes, rotated on every use. @publicApi */
export interface RefreshTokenOptions {
  /** Where refresh tokens live (`TypeOrmTokenStore`, `RedisTokenStore`…). */
  store: TokenStore;
  /** Lifetime of each refresh token, in seconds. @default 1209600 (14 days) */
  lifetimeSeconds?: number;
}

/** @publicApi */
export interface AuthenticationBackendOptions<U extends UserProtocol<ID>, ID = U['id']> {
  /** Unique name: the route `/auth/<name>/login`, the Swagger scheme and the passport strategy `users-auth:<name>`. */
  name: string;
  transport: Transport;
  strategy: Strategy<U, ID>;
  /** Token URL shown in Swagger; only needed behind a proxy that rewrites paths. @default the real login path */
  tokenUrl?: string;
  /** Also hand out refresh tokens at login, rotated by `POST /auth/<name>/refresh`. @default off */
  refresh?: RefreshTokenOptions;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const DEFAULT_REFRESH_LIFETIME_SECONDS = 14 * 24 * 3600;

/**
 * A transport (where the token travels) plus a strategy (what the token is), under a name.
 * @publicApi
 */
export class AuthenticationBackend<U extends UserProtocol<ID> = UserProtocol<any>, ID = U['id']> {
  readonly name: string;
  readonly transport: Transport;
  readonly strategy: Strategy<U, ID>;
  readonly tokenUrl?: string;
  readonly refresh?: Required<RefreshTokenOptions>;

  constructor(options: AuthenticationBackendOptions<U, ID>) {
    if (typeof options.name !== 'string' || !NAME.test(options.name)) {
      throw new UsersAuthConfigurationError(
        `Backend name "${String(options.name)}" is not usable in a URL: use letters, digits, "-" and "_" only.`,
      );
    }
    this.name = options.name;
    this.transport = options.transport;
    this.strategy = options.strategy;
    this.strategy.attachToBackend?.(this.name);
    this.tokenUrl = options.tokenUrl;
    if (options.refresh) {
      const lifetimeSeconds = options.refresh.lifetimeSeconds ?? DEFAULT_REFRESH_LIFETIME_SECONDS;
      if (!Number.isSafeInteger(lifetimeSeconds) || lifetimeSeconds <= 0) {
        throw new UsersAuthConfigurationError(`Backend "${this.name}": refresh.lifetimeSeconds must be a positive whole number.`);
      }
      this.refresh = { store: options.refresh.store, lifetimeSeconds };
    }
  }

  /**
   * A new access token (and, with refresh on, a new session: a refresh-token family whose id the access token
   * records, so logging out with it ends the family), as the transport answers it.
   */
  async login(user: U): Promise<TransportResponse> {
    if (!this.refresh) return this.transport.loginResponse(await this.strategy.writeToken(user));
    const session = randomUUID();
    const refresh = await this.issueRefreshToken(user, session);
    return this.transport.loginResponse(await this.strategy.writeToken(user, session), refresh);
  }

  /**
   * Rotates a refresh token: the presented one is spent and a new pair is answered. Presenting a token that was
   * already spent means it leaked (or was replayed): the whole family is revoked and `null` is returned. A token
   * minted from a password the user no longer has is refused.
   */
  async refreshLogin(refreshToken: string, users: UserLookup<U, ID>): Promise<TransportResponse | null> {
    if (!this.refresh || !isOpaqueToken(refreshToken)) return null;
    const spent = await this.refresh.store.spend(hashToken(refreshToken), 'refresh');
    // Another kind (from a store that ignored the kind) is no refresh token, and so no reuse either.
    if (!spent || spent.token.kind !== 'refresh') return null;
    const { token, alreadySpent } = spent;
    if (alreadySpent) {
      if (token.family) await this.refresh.store.deleteFamily(token.family);
      return null;
    }
    const user = await userOfStoredToken(refreshToken, token, 'refresh', users);
    if (!user?.isActive) return null;
    const session = token.family ?? randomUUID();
    const next = await this.issueRefreshToken(user, session);
    return this.transport.loginResponse(await this.strategy.writeToken(user, session), next);
  }

  /** Ends the token, and the refresh tokens of its session when the strategy knows which session it belongs to. */
  async logout(token: string, user: U): Promise<TransportResponse> {
    const session = this.refresh && (await this.strategy.sessionOf?.(token));
    try {
      await this.strategy.destroyToken(token, user);
    } catch (error) {
      if (!(error instanceof StrategyDestroyNotSupportedError)) throw error;
    }
    if (session) await this.refresh!.store.deleteFamily(session);
    try {
      return this.transport.logoutResponse();
    } catch (error) {
      if (error instanceof TransportLogoutNotSupportedError) return { status: 204 };
      throw error;
    }
  }

  /** Ends every stored token of the user on this backend: stateful access tokens and refresh tokens. */
  async destroyAllTokens(user: U): Promise<void> {
    await this.strategy.destroyAllTokens?.(user);
    await this.refresh?.store.deleteUser(String(user.id));
  }

  private async issueRefreshToken(user: U, family: string): Promise<IssuedRefreshToken> {
    const { lifetimeSeconds, store } = this.refresh!;
    return { token: await issueStoredToken(store, user, { kind: 'refresh', lifetimeSeconds, family }), lifetimeSeconds };
  }
}
