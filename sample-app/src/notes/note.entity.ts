import { Column, CreateDateColumn, Entity, ManyToOne, PrimaryGeneratedColumn, type Relation } from 'typeorm';
import { User } from '../users/user.entity.js';

/** Longest note, in characters; the DTO and the column agree on it. */
export const NOTE_MAX_LENGTH = 500;

/** A note belongs to one user; deleting the user deletes their notes. */
@Entity('note')
export class Note {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'varchar', length: NOTE_MAX_LENGTH })
  text!: string;

  @CreateDateColumn()
  createdAt!: Date;

  // Relation<> keeps the ESM circular-import TDZ out of the decorator metadata.
  @ManyToOne(() => User, { nullable: false, onDelete: 'CASCADE' })
  owner!: Relation<User>;
}
