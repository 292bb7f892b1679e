import { ApiPropertyOptional, OmitType } from '@nestjs/swagger';
import { IsBoolean, IsString, MaxLength } from 'class-validator';
import { IsUserEmail } from '../email/email.validators.js';
import { IsOptionalNotNull } from './optional-field.decorator.js';

/** Body of `PATCH /users/me`: what users may change on themselves. Extend it for custom fields. @publicApi */
export class UserUpdateDto {
  @ApiPropertyOptional({ format: 'email', maxLength: 320 })
  @IsOptionalNotNull()
  @IsUserEmail()
  email?: string;

  @ApiPropertyOptional({ format: 'password', minLength: 8 })
  @IsOptionalNotNull()
  @IsString()
  @MaxLength(4096)
  password?: string;

  @ApiPropertyOptional({ format: 'password', description: 'Required to change the password.' })
  @IsOptionalNotNull()
  @IsString()
  @MaxLength(4096)
  currentPassword?: string;
}

/** Body of `PATCH /users/{id}`: superusers set a password without the current one, and may set the flags. @publicApi */
export class UserAdminUpdateDto extends OmitType(UserUpdateDto, ['currentPassword'] as const) {
  @ApiPropertyOptional()
  @IsOptionalNotNull()
  @IsBoolean()
  isActive?: boolean;

  @ApiPropertyOptional()
  @IsOptionalNotNull()
  @IsBoolean()
  isSuperuser?: boolean;

  @ApiPropertyOptional()
  @IsOptionalNotNull()
  @IsBoolean()
  isVerified?: boolean;
}
