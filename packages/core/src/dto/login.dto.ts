import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { IsEmailLookup } from '../email/email.validators.js';

/**
 * OAuth2 password-grant form (RFC 6749 §4.3), as Swagger UI's Authorize dialog posts it; JSON is accepted too.
 * The OAuth2 extras are tolerated and ignored.
 */
export class LoginDto {
  @ApiProperty({ description: 'The account email.', example: 'ada@example.com' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(320)
  @IsEmailLookup()
  username!: string;

  @ApiProperty({ format: 'password', example: 'correct horse battery staple' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(4096)
  password!: string;

  @ApiPropertyOptional({ description: 'OAuth2 grant type; ignored.', example: 'password' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  grant_type?: string;

  // No `default` here: code generators (openapi-typescript) make a property with a default required.
  @ApiPropertyOptional({ description: 'OAuth2 scopes, space-separated; ignored.' })
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  scope?: string;

  @ApiPropertyOptional({ description: 'OAuth2 client credentials; ignored.' })
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  client_id?: string;

  @ApiPropertyOptional({ description: 'OAuth2 client credentials; ignored.' })
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  client_secret?: string;
}
