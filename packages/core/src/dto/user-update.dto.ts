import { ApiPropertyOptional, OmitType } from '@nestjs/swagger';
import { IsBoolean, IsOptional, IsString, MaxLength } from 'class-validator';
import { IsUserEmail } from '../email/email.validators.js';

/** Body of `PATCH /users/me`: what users may change on themselves. Extend it for custom fields. @publicApi */
export class UserUpdateDto {
  @ApiPropertyOptional({ format: 'email', maxLength: 320 })
  @IsOptional()
  @IsUserEmail()
  email?: string;

  @ApiPropertyOptional({ format: 'password', minLength: 8 })
  @IsOptional()
  @IsString()
  @MaxLength(4096)
  password?: string;

  @ApiPropertyOptional({ format: 'password', description: 'Required to change the password.' })
  @IsOptional()
  @IsString()
  @MaxLength(4096)
  currentPassword?: string;
}

/** Body of `PATCH /users/{id}`: superusers set a password without the current one, and may set the flags. @publicApi */
export class UserAdminUpdateDto extends OmitType(UserUpdateDto, ['currentPassword'] as const) {
  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  isActive?: boolean;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  isSuperuser?: boolean;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  isVerified?: boolean;
}
