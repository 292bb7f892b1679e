import { BaseUserEntityUUID } from '@nest-users/typeorm';
import { Column, Entity } from 'typeorm';

/** The sample's users: nest-users' columns plus one of the app's own. */
@Entity('user')
export class User extends BaseUserEntityUUID {
  @Column({ type: 'varchar', length: 100, nullable: true })
  displayName?: string | null;
}
