import { ApiProperty } from '@nestjs/swagger';
import { IsEmail, IsString, MaxLength } from 'class-validator';

/** Body of `POST /auth/register`. Extend it to accept custom fields. @publicApi */
export class UserCreateDto {
  @ApiProperty({ format: 'email', example: 'ada@example.com', maxLength: 320 })
  @IsEmail({ allow_display_name: false, allow_ip_domain: false })
  @MaxLength(320)
  email!: string;

  @ApiProperty({ format: 'password', minLength: 8, example: 'correct horse battery staple' })
  @IsString()
  @MaxLength(4096)
  password!: string;
}
