import { OAuth2Client, type OAuth2Account, type OpenIdClientOptions } from '@nest-users/core';

/** A plain OAuth2 provider: its endpoints, its scopes, and how to read the account from its API. */
export class GitLabClient extends OAuth2Client {
  override readonly defaultName = 'gitlab';

  constructor(options: OpenIdClientOptions) {
    super(
      options,
      {
        issuer: 'https://gitlab.com',
        authorizationEndpoint: 'https://gitlab.com/oauth/authorize',
        tokenEndpoint: 'https://gitlab.com/oauth/token',
      },
      ['read_user'],
    );
  }

  protected async fetchAccount(fetchJson: (url: string) => Promise<unknown>): Promise<OAuth2Account> {
    const me = (await fetchJson('https://gitlab.com/api/v4/user')) as { id: number; email?: string; confirmed_at?: string };
    return { accountId: String(me.id), email: me.email ?? null, emailVerified: Boolean(me.confirmed_at) };
  }
}
