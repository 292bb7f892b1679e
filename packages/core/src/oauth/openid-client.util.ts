import type * as OpenIdClient from 'openid-client';
import { UsersAuthConfigurationError } from '../errors/configuration.errors.js';
import type { OAuthAuthorizationRequest, OAuthCallbackRequest } from './oauth-client.interface.js';
import { OAuthProviderError } from './oauth.errors.js';
import type { OpenIdClientOptions } from './openid-client.options.js';

export type { OpenIdClientOptions };

export type OpenIdClientModule = typeof OpenIdClient;
export type OpenIdConfiguration = OpenIdClient.Configuration;
export type OpenIdTokens = Awaited<ReturnType<OpenIdClientModule['authorizationCodeGrant']>>;

let loading: Promise<OpenIdClientModule> | undefined;

/**
 * `openid-client` (an optional peer dependency of @nest-users/core), loaded on first use: an app without OAuth
 * never needs it installed.
 */
export function loadOpenIdClient(): Promise<OpenIdClientModule> {
  loading ??= import('openid-client').catch((error: unknown) => {
    loading = undefined;
    throw new UsersAuthConfigurationError(
      `OAuth login needs the openid-client package (version 6): npm install openid-client@6. (${String(error)})`,
    );
  });
  return loading;
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Checks the options shared by every client at construction, so mistakes show at startup. */
export function checkClientOptions(options: OpenIdClientOptions, where: string, urls: string[]): void {
  for (const key of ['clientId', 'clientSecret'] as const) {
    if (typeof options[key] !== 'string' || options[key].length === 0) {
      throw new UsersAuthConfigurationError(`${where}: \`${key}\` is required (from your provider's app registration).`);
    }
  }
  for (const url of urls) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new UsersAuthConfigurationError(`${where}: "${url}" is not a URL.`);
    }
    if (parsed.protocol === 'https:') continue;
    if (parsed.protocol === 'http:' && options.allowInsecureLoopback && LOOPBACK_HOSTS.has(parsed.hostname)) continue;
    throw new UsersAuthConfigurationError(
      `${where}: "${url}" must be https (plain http only for a loopback provider with allowInsecureLoopback: true).`,
    );
  }
}

/** The openid-client options that every request of a client uses (timeouts, loopback http). */
export function requestOptions(
  oidc: OpenIdClientModule,
  options: OpenIdClientOptions,
): { execute: Array<(config: OpenIdConfiguration) => void>; timeout: number } {
  return {
    execute: options.allowInsecureLoopback ? [oidc.allowInsecureRequests] : [],
    timeout: options.timeoutSeconds ?? 10,
  };
}

/** The authorization URL of the code flow with PKCE S256, state and (when `withNonce`) nonce. */
export function buildAuthorizationUrl(
  oidc: OpenIdClientModule,
  config: OpenIdConfiguration,
  request: OAuthAuthorizationRequest,
  scopes: string[],
  withNonce: boolean,
): URL {
  return oidc.buildAuthorizationUrl(config, {
    redirect_uri: request.redirectUri,
    scope: scopes.join(' '),
    state: request.state,
    code_challenge: request.codeChallenge,
    code_challenge_method: 'S256',
    ...(withNonce ? { nonce: request.nonce } : {}),
  });
}

/**
 * Redeems the code (openid-client checks state, `iss` when the provider sends it, PKCE through the provider, and for
 * OpenID Connect the whole ID token: signature from the JWKS, issuer, audience, expiry, nonce). Every failure
 * becomes an `OAuthProviderError`.
 */
export async function redeemCode(
  oidc: OpenIdClientModule,
  config: OpenIdConfiguration,
  request: OAuthCallbackRequest,
  idTokenExpected: boolean,
): Promise<OpenIdTokens> {
  const error = request.callbackUrl.searchParams.get('error');
  if (error !== null) throw new OAuthProviderError(error);
  if (!request.callbackUrl.searchParams.get('code')) throw new OAuthProviderError('invalid_request');
  return asProviderError(oidc, () =>
    oidc.authorizationCodeGrant(config, request.callbackUrl, {
      pkceCodeVerifier: request.codeVerifier,
      expectedState: request.state,
      ...(idTokenExpected ? { expectedNonce: request.nonce, idTokenExpected: true } : {}),
    }),
  );
}

/** Runs a provider request; whatever goes wrong is an `OAuthProviderError` with the provider's reason when known. */
export async function asProviderError<T>(oidc: OpenIdClientModule, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof OAuthProviderError) throw error;
    if (error instanceof oidc.AuthorizationResponseError || error instanceof oidc.ResponseBodyError) {
      throw new OAuthProviderError(error.error, error);
    }
    if (error instanceof oidc.ClientError || error instanceof oidc.WWWAuthenticateChallengeError) {
      throw new OAuthProviderError('invalid_response', error);
    }
    // fetch failures (connection refused, DNS, timeout) and anything else from the network.
    throw new OAuthProviderError('unreachable', error);
  }
}

/** `expires_in` as seconds since the epoch. */
export function expiresAt(tokens: OpenIdTokens): number | null {
  const seconds = tokens.expiresIn();
  return seconds === undefined ? null : Math.floor(Date.now() / 1000) + seconds;
}
