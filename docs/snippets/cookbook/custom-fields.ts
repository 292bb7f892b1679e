import {
  JwtAuthentication,
  UserAdminUpdateDto,
  UserCreateDto,
  UserReadDto,
  UsersAuthModule,
  UserUpdateDto,
} from '@nest-users/core';
import { BaseUserEntityUUID, UsersAuthTypeOrmModule } from '@nest-users/typeorm';
import { Module } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { TypeOrmModule } from '@nestjs/typeorm';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { Column, Entity } from 'typeorm';

// 1. The column.
@Entity('user')
export class User extends BaseUserEntityUUID {
  @Column({ type: 'varchar', length: 100, nullable: true })
  displayName!: string | null;
}

// 2. The DTOs: the routes validate with a whitelist (an undeclared field is dropped) and Swagger shows them.
export class AppUserCreateDto extends UserCreateDto {
  @ApiPropertyOptional({ type: String, maxLength: 100, nullable: true, example: 'Ada' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  displayName?: string | null;
}

export class AppUserUpdateDto extends UserUpdateDto {
  @ApiPropertyOptional({ type: String, maxLength: 100, nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  displayName?: string | null;
}

export class AppUserAdminUpdateDto extends UserAdminUpdateDto {
  @ApiPropertyOptional({ type: String, maxLength: 100, nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  displayName?: string | null;
}

export class AppUserReadDto extends UserReadDto {
  @ApiProperty({ type: String, nullable: true })
  displayName!: string | null;
}

// 3. The module gets them.
@Module({
  imports: [
    TypeOrmModule.forRoot({ type: 'better-sqlite3', database: 'app.sqlite', entities: [User], synchronize: true }),
    UsersAuthModule.forRoot({
      imports: [UsersAuthTypeOrmModule.forFeature(User)],
      backends: [new JwtAuthentication({ secret: process.env.JWT_SECRET!, lifetimeSeconds: 3600 })],
      dto: { create: AppUserCreateDto, update: AppUserUpdateDto, adminUpdate: AppUserAdminUpdateDto, read: AppUserReadDto },
    }),
  ],
})
export class AppModule {}
