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

/** @publicApi */
export interface OidcClientOptions extends OpenIdClientOptions {
  /** The issuer: its `/.well-known/openid-configuration` is read on first use (and again after a failed read). */
  issuer: string;
}

/**
 * Any OpenID Connect provider, configured by discovery (on `openid-client`): code flow with PKCE S256, `nonce`, and
 * the full ID-token validation (signature from the provider's JWKS, issuer, audience, expiry, nonce). The account id
 * is the ID token's `sub`; the email and `email_verified` come from the ID token, or from the UserInfo endpoint when
 * the ID token has no email. Scopes default to `openid email profile`.
 * @publicApi
 */
export class OidcClient implements OAuthClient {
  readonly defaultName?: string;
  private configuration?: Promise<OpenIdConfiguration>;

  /** @throws UsersAuthConfigurationError for a missing client id or secret, or an issuer that is not https */
  constructor(protected readonly options: OidcClientOptions) {
    checkClientOptions(options, new.target.name, [options.issuer]);
  }

  async authorizationUrl(request: OAuthAuthorizationRequest): Promise<URL> {
    const [oidc, config] = await this.setup();
    return buildAuthorizationUrl(oidc, config, request, this.options.scopes ?? ['openid', 'email', 'profile'], true);
  }

  async callback(request: OAuthCallbackRequest): Promise<OAuthProfile> {
    const [oidc, config] = await this.setup();
    const tokens = await redeemCode(oidc, config, request, true);
    const claims = tokens.claims();
    if (!claims) throw new OAuthProviderError('invalid_response');
    let email: unknown = claims.email;
    let emailVerified: unknown = claims.email_verified;
    if (typeof email !== 'string') {
      // The UserInfo answer must name the same subject (openid-client checks it).
      const info = await asProviderError(oidc, () => oidc.fetchUserInfo(config, tokens.access_token, claims.sub));
      email = info.email;
      emailVerified = info.email_verified;
    }
    return {
      accountId: claims.sub,
      email: typeof email === 'string' && email.length > 0 ? email : null,
      emailVerified: emailVerified === true,
      accessToken: tokens.access_token,
      refreshToken: tokens.refresh_token ?? null,
      expiresAt: expiresAt(tokens),
    };
  }

  private async setup(): Promise<[OpenIdClientModule, OpenIdConfiguration]> {
    const oidc = await loadOpenIdClient();
    const options = requestOptions(oidc, this.options);
    this.configuration ??= asProviderError(oidc, () =>
      oidc.discovery(new URL(this.options.issuer), this.options.clientId, this.options.clientSecret, undefined, {
        ...options,
        // openid-client skips the ID token's signature when TLS vouches for the token endpoint (OIDC Core
        // §3.1.3.7); we check it against the provider's JWKS all the same.
        execute: [...options.execute, oidc.enableNonRepudiationChecks],
      }),
    ).catch((error: unknown) => {
      // The next request tries again: a provider that was down at startup must not break OAuth until a restart.
      this.configuration = undefined;
      throw error;
    });
    return [oidc, await this.configuration];
  }
}

/** @publicApi */
export type GoogleClientOptions = OpenIdClientOptions;

/** Google accounts: `OidcClient` on `https://accounts.google.com`; named `google` by default. @publicApi */
export class GoogleClient extends OidcClient {
  override readonly defaultName = 'google';

  constructor(options: GoogleClientOptions) {
    super({ ...options, issuer: 'https://accounts.google.com' });
  }
}
