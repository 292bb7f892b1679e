import { InjectUserManager, UserManager } from '@nest-users/core';
import { Injectable } from '@nestjs/common';
import type { User } from './app.module.js';

@Injectable()
export class GitHubRepos {
  constructor(@InjectUserManager() private readonly users: UserManager<User, string>) {}

  /** Calls GitHub's API as the user, with the token stored (encrypted) at their last GitHub login. */
  async list(user: User, githubAccountId: string): Promise<unknown> {
    const tokens = await this.users.getOAuthTokens(user, 'github', githubAccountId);
    if (!tokens?.accessToken) return [];
    const response = await fetch('https://api.github.com/user/repos', {
      headers: { authorization: `Bearer ${tokens.accessToken}`, accept: 'application/vnd.github+json' },
    });
    return response.json();
  }
}
