import { UserAdminUpdateDto, UserCreateDto, UserReadDto, UserUpdateDto } from '@nest-users/core';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';

// The library validates its routes with a whitelist: a custom column is accepted only once a DTO declares it.
// `type: String` is not optional: TypeScript reflects `string | null` as Object, which Swagger would document as an
// empty object (and generated clients would refuse a string).

export class SampleUserCreateDto extends UserCreateDto {
  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 100, example: 'Ada' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  displayName?: string | null;
}

export class SampleUserUpdateDto extends UserUpdateDto {
  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 100 })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  displayName?: string | null;
}

export class SampleUserAdminUpdateDto extends UserAdminUpdateDto {
  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 100 })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  displayName?: string | null;
}

export class SampleUserReadDto extends UserReadDto {
  @ApiPropertyOptional({ type: String, nullable: true })
  displayName?: string | null;
}
