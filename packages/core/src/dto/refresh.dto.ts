import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';

/** Body of `POST /auth/<backend>/refresh` (RFC 6749 §6); cookie backends read the refresh cookie instead. */
export class RefreshDto {
  @ApiPropertyOptional({ description: 'The refresh token (bearer backends).' })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  refresh_token?: string;

  @ApiPropertyOptional({ example: 'refresh_token' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  grant_type?: string;
}
