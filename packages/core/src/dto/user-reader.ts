import type { Type } from '@nestjs/common';
import type { UserProtocol } from '../interfaces/user.interface.js';
import type { UsersAuthSettings } from '../interfaces/users-auth-module-options.interface.js';
import type { UserManager } from '../manager/user-manager.js';
import { OAuthUserReadDto } from './oauth-account-read.dto.js';
import { createUserSerializer, declaresOAuthAccounts } from './user-read.dto.js';
import { UserReadDto } from './user-read.dto.js';

/** How the routes that answer a user build it (`read` is the DTO they document). */
export interface UserReader {
  read: Type<object>;
  toJson(users: UserManager<UserProtocol<unknown>, unknown>, user: UserProtocol<unknown>): Promise<Record<string, unknown>>;
}

/**
 * The read DTO of the routes that answer a user, and its serializer. With OAuth providers, the default DTO is
 * `OAuthUserReadDto`, and a read DTO that declares `oauthAccounts` gets the user's linked accounts, loaded here (one
 * query, on these routes only: the guard never loads them) through `UserManager.listOAuthAccounts`, which strips
 * the tokens. Without OAuth providers nothing changes.
 */
export function createUserReader({ dto, oauthNames }: Pick<UsersAuthSettings, 'dto' | 'oauthNames'>): UserReader {
  const oauth = oauthNames.length > 0;
  const read = oauth && dto.read === UserReadDto ? OAuthUserReadDto : dto.read;
  const serialize = createUserSerializer(read, { oauth });
  const linked = oauth && declaresOAuthAccounts(read);
  return {
    read,
    toJson: async (users, user) => serialize(user, linked ? await users.listOAuthAccounts(user) : undefined),
  };
}
