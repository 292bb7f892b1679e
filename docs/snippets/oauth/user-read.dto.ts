import { OAuthUserReadDto } from '@nest-users/core';
import { ApiProperty } from '@nestjs/swagger';

/** The app's read DTO (`dto: { read: UserRead }`): its own fields, and the linked providers it inherits. */
export class UserRead extends OAuthUserReadDto {
  @ApiProperty({ type: String, nullable: true })
  firstName!: string | null;
}
