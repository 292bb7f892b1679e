import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength } from 'class-validator';
import { IsUserEmail } from '../email/email.validators.js';

/** Body of `POST /auth/register`. Extend it to accept custom fields. @publicApi */
export class UserCreateDto {
  @ApiProperty({ format: 'email', example: 'ada@example.com', maxLength: 320 })
  @IsUserEmail()
  email!: string;

  @ApiProperty({ format: 'password', minLength: 8, example: 'correct horse battery staple' })
  @IsString()
  @MaxLength(4096)
  password!: string;
}
