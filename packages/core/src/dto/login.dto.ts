import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { IsEmailLookup } from '../email/email.validators.js';

/** The form's fields and their longest accepted value; `username` and `password` are required and non-empty. */
export const LOGIN_FIELD_MAX_LENGTHS = {
  username: 320,
  password: 4096,
  grant_type: 64,
  scope: 1024,
  client_id: 1024,
  client_secret: 1024,
} as const;

/**
 * OAuth2 password-grant form (RFC 6749 §4.3), as Swagger UI's Authorize dialog posts it; JSON is accepted too.
 * The OAuth2 extras are tolerated and ignored.
 */
export class LoginDto {
  @ApiProperty({ description: 'The account email.', example: 'ada@example.com' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(LOGIN_FIELD_MAX_LENGTHS.username)
  @IsEmailLookup()
  username!: string;

  @ApiProperty({ format: 'password', example: 'correct horse battery staple' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(LOGIN_FIELD_MAX_LENGTHS.password)
  password!: string;

  @ApiPropertyOptional({ example: 'password' })
  @IsOptional()
  @IsString()
  @MaxLength(LOGIN_FIELD_MAX_LENGTHS.grant_type)
  grant_type?: string;

  @ApiPropertyOptional({ default: '' })
  @IsOptional()
  @IsString()
  @MaxLength(LOGIN_FIELD_MAX_LENGTHS.scope)
  scope?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(LOGIN_FIELD_MAX_LENGTHS.client_id)
  client_id?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(LOGIN_FIELD_MAX_LENGTHS.client_secret)
  client_secret?: string;
}
