import { AccessTokenEntity } from '@nest-users/typeorm';
import { Table, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * nest-users' token table (`DatabaseStrategy`, refresh tokens), exactly as `AccessTokenEntity` declares it, on any
 * driver. fastapi-users' `accesstoken` table stays until the session import has emptied it.
 */
export class NestUsersTokenTable1764547200000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    const { connection } = queryRunner;
    const table = Table.create(connection.getMetadata(AccessTokenEntity), connection.driver);
    await queryRunner.createTable(table, false, true, true);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('access_token');
  }
}
