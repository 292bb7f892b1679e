import { ApiProperty } from '@nestjs/swagger';

/** A user as the API shows it: never the password hash. @publicApi */
export class UserReadDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'email' })
  email!: string;

  @ApiProperty()
  isActive!: boolean;

  @ApiProperty()
  isSuperuser!: boolean;

  @ApiProperty()
  isVerified!: boolean;
}

/** Fields that never leave the server. */
const HIDDEN_FIELDS = new Set(['hashedPassword']);

/** The JSON of a user: every own field but the hidden ones. */
export function toUserRead(user: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(user).filter(([key]) => !HIDDEN_FIELDS.has(key)));
}
