import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * One stateful token of `DatabaseStrategy` (and of refresh-token families): add it to your TypeORM `entities`.
 * `hash` is the base64url SHA-256 of the token (43 characters); the token itself is never stored.
 *
 * Dates use TypeORM's portable `Date` mapping: `datetime` (UTC text) on SQLite, `timestamp without time zone` on
 * PostgreSQL, which node-pg writes and reads in the process time zone, so instances sharing one database must run in
 * the same time zone (UTC is the safe choice).
 * @publicApi
 */
@Entity('access_token')
export class AccessTokenEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  hash!: string;

  @Index()
  @Column({ type: 'varchar', length: 64 })
  userId!: string;

  @Index()
  @Column({ type: 'varchar', length: 64, nullable: true })
  family!: string | null;

  // Indexed for purgeExpired, which deletes by expiry.
  @Index()
  @Column({ type: Date })
  expiresAt!: Date;

  /** Set once, atomically, when a refresh token is rotated; a spent row is kept until it expires to detect reuse. */
  @Column({ type: Date, nullable: true })
  spentAt!: Date | null;

  @CreateDateColumn({ type: Date })
  createdAt!: Date;
}
