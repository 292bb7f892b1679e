import { OidcClient, type OAuthProviderOptions } from '@nest-users/core';
import type { SampleEnv } from '../config/sample-env.js';

/** The sample's OAuth provider names: `oidc` when `OIDC_ISSUER` is set (read when the module loads, like REDIS_URL). */
export function sampleOAuthNames(env: NodeJS.ProcessEnv): string[] {
  return env.OIDC_ISSUER ? ['oidc'] : [];
}

/**
 * A generic OpenID Connect provider from the environment, logging in through the `cookie` backend (a browser front
 * end). Plain http is accepted only for a provider on this machine (development, tests).
 */
export function sampleOAuthProviders(
  env: Pick<SampleEnv, 'OIDC_ISSUER' | 'OIDC_CLIENT_ID' | 'OIDC_CLIENT_SECRET' | 'PUBLIC_URL'>,
): OAuthProviderOptions[] {
  if (!env.OIDC_ISSUER || !env.OIDC_CLIENT_ID || !env.OIDC_CLIENT_SECRET) return [];
  return [
    {
      client: new OidcClient({
        issuer: env.OIDC_ISSUER,
        clientId: env.OIDC_CLIENT_ID,
        clientSecret: env.OIDC_CLIENT_SECRET,
        allowInsecureLoopback: true,
      }),
      name: 'oidc',
      backend: 'cookie',
      // The sample's login page (/login) gets the browser back and passes the query on to /auth/oidc/callback.
      redirectUrl: `${env.PUBLIC_URL}/login/callback`,
      associateRedirectUrl: `${env.PUBLIC_URL}/auth/associate/oidc/callback`,
    },
  ];
}
