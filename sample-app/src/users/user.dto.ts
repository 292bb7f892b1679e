import { UserAdminUpdateDto, UserCreateDto, UserReadDto, UserUpdateDto } from '@nest-users/core';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';

// The library validates its routes with a whitelist: a custom column is accepted only once a DTO declares it.

export class SampleUserCreateDto extends UserCreateDto {
  @ApiPropertyOptional({ maxLength: 100, nullable: true, example: 'Ada' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  displayName?: string | null;
}

export class SampleUserUpdateDto extends UserUpdateDto {
  @ApiPropertyOptional({ maxLength: 100, nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  displayName?: string | null;
}

export class SampleUserAdminUpdateDto extends UserAdminUpdateDto {
  @ApiPropertyOptional({ maxLength: 100, nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  displayName?: string | null;
}

export class SampleUserReadDto extends UserReadDto {
  @ApiPropertyOptional({ type: String, nullable: true })
  displayName!: string | null;
}
