import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength } from 'class-validator';
import { IsUserEmail } from '../email/email.validators.js';

/** Body of `POST /auth/request-verify-token` and `POST /auth/forgot-password`. */
export class EmailDto {
  @ApiProperty({ format: 'email', example: 'ada@example.com', maxLength: 320 })
  @IsUserEmail()
  email!: string;
}

/** Body of `POST /auth/verify`. */
export class VerifyDto {
  @ApiProperty()
  @IsString()
  @MaxLength(4096)
  token!: string;
}

/** Body of `POST /auth/reset-password`. */
export class ResetPasswordDto {
  @ApiProperty()
  @IsString()
  @MaxLength(4096)
  token!: string;

  @ApiProperty({ format: 'password', minLength: 8 })
  @IsString()
  @MaxLength(4096)
  password!: string;
}
