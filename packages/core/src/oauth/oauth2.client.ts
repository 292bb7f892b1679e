import type { OAuthAuthorizationRequest, OAuthCallbackRequest, OAuthClient, OAuthProfile } from './oauth-client.interface.js';
import { OAuthProviderError } from './oauth.errors.js';
import {
  asProviderError,
  buildAuthorizationUrl,
  checkClientOptions,
  expiresAt,
  loadOpenIdClient,
  redeemCode,
  requestOptions,
  type OpenIdClientModule,
  type OpenIdConfiguration,
} from './openid-client.util.js';
import type { OpenIdClientOptions } from './openid-client.options.js';

/** The provider endpoints of a plain OAuth2 client. @publicApi */
export interface OAuth2Endpoints {
  /** Identifies the provider (its `iss` when it sends one with the callback). */
  issuer: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
}

/** The account fields a plain OAuth2 provider's API gives. @publicApi */
export type OAuth2Account = Pick<OAuthProfile, 'accountId' | 'email' | 'emailVerified'>;

/**
 * A plain OAuth2 provider (no ID token), on `openid-client`: code flow with PKCE S256 and state. A subclass gives the
 * endpoints and reads the account from the provider's API with `fetchJson`, e.g. `GitHubClient`:
 * @example
 * class GitLabClient extends OAuth2Client {
 *   constructor(options: OpenIdClientOptions) {
 *     super(options, { issuer: 'https://gitlab.com', authorizationEndpoint: '…/oauth/authorize', tokenEndpoint: '…/oauth/token' }, ['read_user']);
 *   }
 *   protected async fetchAccount(fetchJson: (url: string) => Promise<unknown>) {
 *     const me = (await fetchJson('https://gitlab.com/api/v4/user')) as { id: number; email: string; confirmed_at: string | null };
 *     return { accountId: String(me.id), email: me.email, emailVerified: me.confirmed_at !== null };
 *   }
 * }
 * @publicApi
 */
export abstract class OAuth2Client implements OAuthClient {
  readonly defaultName?: string;
  private configuration?: Promise<OpenIdConfiguration>;

  /** @throws UsersAuthConfigurationError for a missing client id or secret, or an endpoint that is not https */
  constructor(
    protected readonly options: OpenIdClientOptions,
    protected readonly endpoints: OAuth2Endpoints,
    private readonly defaultScopes: string[],
  ) {
    checkClientOptions(options, new.target.name, [endpoints.issuer, endpoints.authorizationEndpoint, endpoints.tokenEndpoint]);
  }

  /**
   * The account behind the access token. `fetchJson(url)` GETs a URL of the provider's API with the token (a 4xx/5xx
   * or a body that is not JSON becomes an `OAuthProviderError`).
   */
  protected abstract fetchAccount(fetchJson: (url: string) => Promise<unknown>): Promise<OAuth2Account>;

  async authorizationUrl(request: OAuthAuthorizationRequest): Promise<URL> {
    const [oidc, config] = await this.setup();
    return buildAuthorizationUrl(oidc, config, request, this.options.scopes ?? this.defaultScopes, false);
  }

  async callback(request: OAuthCallbackRequest): Promise<OAuthProfile> {
    const [oidc, config] = await this.setup();
    const tokens = await redeemCode(oidc, config, request, false);
    const fetchJson = (url: string) =>
      asProviderError(oidc, async () => {
        const response = await oidc.fetchProtectedResource(config, tokens.access_token, new URL(url), 'GET', undefined, {
          accept: 'application/json',
        } as unknown as Headers);
        if (!response.ok) throw new OAuthProviderError('invalid_response');
        return (await response.json()) as unknown;
      });
    const account = await this.fetchAccount(fetchJson);
    if (typeof account.accountId !== 'string' || account.accountId.length === 0) {
      throw new OAuthProviderError('invalid_response');
    }
    return {
      accountId: account.accountId,
      email: account.email,
      emailVerified: account.emailVerified === true,
      accessToken: tokens.access_token,
      refreshToken: tokens.refresh_token ?? null,
      expiresAt: expiresAt(tokens),
    };
  }

  private async setup(): Promise<[OpenIdClientModule, OpenIdConfiguration]> {
    const oidc = await loadOpenIdClient();
    this.configuration ??= (async () => {
      const { issuer, authorizationEndpoint, tokenEndpoint } = this.endpoints;
      const config = new oidc.Configuration(
        { issuer, authorization_endpoint: authorizationEndpoint, token_endpoint: tokenEndpoint },
        this.options.clientId,
        this.options.clientSecret,
      );
      const { execute, timeout } = requestOptions(oidc, this.options);
      for (const apply of execute) apply(config);
      config.timeout = timeout;
      return config;
    })();
    return [oidc, await this.configuration];
  }
}

/** @publicApi */
export type GitHubClientOptions = OpenIdClientOptions;

interface GitHubEmail {
  email: string;
  primary: boolean;
  verified: boolean;
}

/**
 * GitHub (plain OAuth2; named `github` by default). The account id is the numeric user id; the email is the primary
 * one from `GET /user/emails` with its `verified` flag (scope `user:email`), since `/user` shows only a public email
 * and says nothing of verification.
 * @publicApi
 */
export class GitHubClient extends OAuth2Client {
  override readonly defaultName = 'github';

  constructor(options: GitHubClientOptions) {
    super(
      options,
      {
        issuer: 'https://github.com',
        authorizationEndpoint: 'https://github.com/login/oauth/authorize',
        tokenEndpoint: 'https://github.com/login/oauth/access_token',
      },
      ['read:user', 'user:email'],
    );
  }

  protected async fetchAccount(fetchJson: (url: string) => Promise<unknown>): Promise<OAuth2Account> {
    const user = (await fetchJson('https://api.github.com/user')) as { id?: unknown };
    if (typeof user?.id !== 'number' && typeof user?.id !== 'string') throw new OAuthProviderError('invalid_response');
    const emails = (await fetchJson('https://api.github.com/user/emails')) as GitHubEmail[];
    const list = Array.isArray(emails) ? emails.filter((entry) => typeof entry?.email === 'string') : [];
    const chosen = list.find((entry) => entry.primary) ?? list.find((entry) => entry.verified) ?? list[0];
    return { accountId: String(user.id), email: chosen?.email ?? null, emailVerified: chosen?.verified === true };
  }
}
