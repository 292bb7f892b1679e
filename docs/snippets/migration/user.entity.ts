import { FastApiUsersUserEntityWithSecurityStamp } from '@nest-users/typeorm';
import { Column, Entity } from 'typeorm';

/**
 * fastapi-users' `class User(SQLAlchemyBaseUserTableUUID, Base)`, on the same table. `first_name` stands for the
 * columns your model added: map each under its column name. Without the security_stamp migration, extend
 * `FastApiUsersUserEntity` instead.
 */
@Entity('user')
export class User extends FastApiUsersUserEntityWithSecurityStamp {
  @Column({ name: 'first_name', type: 'varchar', length: 100, nullable: true })
  firstName!: string | null;
}
