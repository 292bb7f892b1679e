import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, type ValueTransformer } from 'typeorm';

/** bigint arrives as text from pg and mysql2 (it may exceed 2^53); expiry seconds never do. */
const secondsTransformer: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | number | null) => (value === null ? null : Number(value)),
};

/**
 * One provider account linked to a user (social login): add it to your TypeORM `entities` next to your user entity,
 * and `TypeOrmUserRepository` stores OAuth accounts in it. The primary key is provider name + account id, so the
 * database itself refuses to link one provider account twice. `userId` holds the user's id as text (any id type);
 * deleting a user through the repository deletes its accounts.
 *
 * The token columns hold what the manager writes: `NULL` unless the app asked to keep provider tokens, and then
 * AES-256-GCM ciphertext made with the app's key (see `OAuthTokenCipher` in @nest-users/core), never a token in clear.
 *
 * On MySQL/MariaDB use a binary collation (as for the user table, see `BaseUserEntity`): account ids are compared
 * exactly, and a case-insensitive collation would take `AbC` and `abc` for one account.
 * @publicApi
 */
@Entity('oauth_account')
export class OAuthAccountEntity {
  @PrimaryColumn({ type: 'varchar', length: 100 })
  oauthName!: string;

  @PrimaryColumn({ type: 'varchar', length: 255 })
  accountId!: string;

  @Index()
  @Column({ type: 'varchar', length: 64 })
  userId!: string;

  @Column({ type: 'varchar', length: 320 })
  accountEmail!: string;

  @Column({ type: 'text', nullable: true })
  accessToken!: string | null;

  @Column({ type: 'text', nullable: true })
  refreshToken!: string | null;

  /** Seconds since the epoch, as fastapi-users stores it. */
  @Column({ type: 'bigint', nullable: true, transformer: secondsTransformer })
  expiresAt!: number | null;

  @CreateDateColumn({ type: Date })
  createdAt!: Date;
}
