import type { TokenKind } from '@nest-users/core';
import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * One stateful token of `DatabaseStrategy` (and of refresh-token families): add it to your TypeORM `entities`.
 * `hash` is the base64url SHA-256 of the token (43 characters); the token itself is never stored.
 *
 * `kind` and `fingerprint` are nullable so that adding them to an existing table needs no default: a row written
 * before them has no kind and no fingerprint, and such a row is accepted as neither an access nor a refresh token
 * (its holder logs in again), never as both.
 *
 * Dates use TypeORM's portable `Date` mapping with microseconds: `datetime(6)` (UTC text) on SQLite, `timestamp(6)
 * without time zone` (PostgreSQL's default precision) on PostgreSQL, `datetime(6)` on MySQL/MariaDB, whose plain
 * `datetime` keeps whole seconds (MariaDB cuts the fraction off, MySQL rounds it: a token would end up to a second
 * early, or half a second late). node-pg and mysql2 write and read them in the process time zone, so instances
 * sharing one database must run in the same time zone (UTC is the safe choice).
 * @publicApi
 */
@Entity('access_token')
export class AccessTokenEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  hash!: string;

  @Index()
  @Column({ type: 'varchar', length: 64 })
  userId!: string;

  /** `access` or `refresh`: a token is only ever looked up as its own kind. */
  @Column({ type: 'varchar', length: 16, nullable: true })
  kind!: TokenKind | null;

  /** The session (refresh family): refresh tokens, and access tokens of a backend with refresh tokens. */
  @Index()
  @Column({ type: 'varchar', length: 64, nullable: true })
  family!: string | null;

  /** Binds the token to the password hash it was minted from (see `tokenFingerprint`); never the hash itself. */
  @Column({ type: 'varchar', length: 64, nullable: true })
  fingerprint!: string | null;

  // Indexed for purgeExpired, which deletes by expiry.
  @Index()
  @Column({ type: Date, precision: 6 })
  expiresAt!: Date;

  /** Set once, atomically, when a refresh token is rotated; a spent row is kept until it expires to detect reuse. */
  @Column({ type: Date, precision: 6, nullable: true })
  spentAt!: Date | null;

  @CreateDateColumn({ type: Date })
  createdAt!: Date;
}
