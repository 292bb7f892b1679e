import { ApiProperty } from '@nestjs/swagger';
import { UserReadDto } from './user-read.dto.js';

/**
 * One provider account linked to a user, as the API shows it: which provider, the provider's id of the account and
 * the email it gave. Never a token: the routes fill it from `UserManager.listOAuthAccounts`, which has none.
 * @publicApi
 */
export class OAuthAccountReadDto {
  /** The provider's name in the `oauth` module option (e.g. `'google'`). */
  @ApiProperty({ example: 'google' })
  oauthName!: string;

  /** The provider's stable id of the account (OIDC `sub`). */
  @ApiProperty()
  accountId!: string;

  /** The email the provider gave for the account. */
  @ApiProperty({ format: 'email' })
  accountEmail!: string;
}

/**
 * A user with the provider accounts linked to it (fastapi-users' `UserRead` with `oauth_accounts`): the default read
 * DTO of a module with `oauth` providers. An app's own read DTO extends it to keep the list (or declares
 * `oauthAccounts` itself, typed with `OAuthAccountReadDto` or a subclass of it).
 * @publicApi
 */
export class OAuthUserReadDto extends UserReadDto {
  @ApiProperty({ type: () => [OAuthAccountReadDto], description: 'The provider accounts linked to the user.' })
  oauthAccounts!: OAuthAccountReadDto[];
}
