import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The one column nest-users adds to fastapi-users' `user` table: nullable, so no row needs a value, and fastapi-users
 * (which does not know it) keeps working on the table. A plain `ALTER TABLE … ADD COLUMN` in the connection's schema
 * (on SQLite, TypeORM's `addColumn` would rebuild the table instead).
 */
export class NestUsersSecurityStamp1764547200001 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE ${userTable(queryRunner)} ADD COLUMN security_stamp VARCHAR(64)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE ${userTable(queryRunner)} DROP COLUMN security_stamp`);
  }
}

function userTable({ connection }: QueryRunner): string {
  const { driver, options } = connection;
  const path = driver.buildTableName('user', 'schema' in options ? options.schema : undefined);
  return path
    .split('.')
    .map((part) => driver.escape(part))
    .join('.');
}
