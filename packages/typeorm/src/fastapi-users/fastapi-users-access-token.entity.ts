import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * fastapi-users' `accesstoken` table (`SQLAlchemyBaseAccessTokenTableUUID`), where its `DatabaseStrategy` keeps every
 * session token in clear. nest-users never authenticates against it (its stores keep a token's SHA-256 only, in
 * `access_token`): it is mapped so that `importFastApiUsersAccessTokens` can move the live sessions over and empty it.
 * `synchronize: false`: TypeORM never alters or creates this table; it is fastapi-users' as it stands.
 * @publicApi
 */
@Entity({ name: 'accesstoken', synchronize: false })
export class FastApiUsersAccessTokenEntity {
  /** `secrets.token_urlsafe()`: 43 base64url characters. */
  @PrimaryColumn({ type: 'varchar', length: 43 })
  token!: string;

  /** `TIMESTAMP WITH TIME ZONE` on PostgreSQL; on SQLite, UTC text without offset (SQLAlchemy's `TIMESTAMP`). */
  @Index('ix_accesstoken_created_at')
  @Column({ name: 'created_at', type: Date })
  createdAt!: Date;

  /** References `user.id`, `ON DELETE CASCADE`. */
  @Column({ name: 'user_id', type: 'uuid' })
  userId!: string;
}
