import { describe, expect, it } from 'vitest';
import { GitHubClient } from './oauth2.client.js';
import { OAuthProviderError } from './oauth.errors.js';

/** GitHub's API answers, as documented for `GET /user` and `GET /user/emails`. */
class ReadableGitHubClient extends GitHubClient {
  read(answers: Record<string, unknown>) {
    return this.fetchAccount(async (url) => {
      if (!(url in answers)) throw new Error(`unexpected ${url}`);
      return answers[url];
    });
  }
}

const client = new ReadableGitHubClient({ clientId: 'id', clientSecret: 'secret' });
const USER = 'https://api.github.com/user';
const EMAILS = 'https://api.github.com/user/emails';

describe('GitHubClient reads the account from the API', () => {
  it('takes the numeric id as text and the primary email with its verified flag', async () => {
    const account = await client.read({
      [USER]: { id: 583231, login: 'octocat', email: 'public@example.com' },
      [EMAILS]: [
        { email: 'other@example.com', primary: false, verified: true },
        { email: 'octocat@github.com', primary: true, verified: true },
      ],
    });
    expect(account).toEqual({ accountId: '583231', email: 'octocat@github.com', emailVerified: true });
  });

  it('never takes the public profile email as verified: an unverified primary stays unverified', async () => {
    const account = await client.read({
      [USER]: { id: 1, email: 'public@example.com' },
      [EMAILS]: [{ email: 'primary@example.com', primary: true, verified: false }],
    });
    expect(account).toEqual({ accountId: '1', email: 'primary@example.com', emailVerified: false });
  });

  it('gives no email when the account has none (the route answers OAUTH_NOT_AVAILABLE_EMAIL)', async () => {
    expect(await client.read({ [USER]: { id: 2 }, [EMAILS]: [] })).toEqual({
      accountId: '2',
      email: null,
      emailVerified: false,
    });
  });

  it('refuses an answer without an id', async () => {
    await expect(client.read({ [USER]: { message: 'Bad credentials' }, [EMAILS]: [] })).rejects.toBeInstanceOf(
      OAuthProviderError,
    );
  });
});
