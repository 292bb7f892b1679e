import {
  IsOptionalNotNull,
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
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { Column, Entity } from 'typeorm';

const LOCALES = ['en', 'fr', 'de'];

@Entity('user')
export class User extends BaseUserEntityUUID {
  @Column({ type: 'varchar', length: 8, default: 'en' })
  locale!: string;

  @Column({ type: 'varchar', length: 100, nullable: true })
  nickname!: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  totpSecret!: string | null; // never declared in a read DTO: never sent
}

export class AppUserCreateDto extends UserCreateDto {
  // Left out, the column's default ('en') applies. No Swagger `default` on a request field: code generators
  // (openapi-typescript) then type the field as required.
  @ApiPropertyOptional({ enum: LOCALES, description: "Defaults to 'en'." })
  @IsOptionalNotNull() // the column is NOT NULL: null answers 422
  @IsIn(LOCALES)
  locale?: string;
}

export class AppUserUpdateDto extends UserUpdateDto {
  @ApiPropertyOptional({ enum: LOCALES })
  @IsOptionalNotNull()
  @IsIn(LOCALES)
  locale?: string;

  @ApiPropertyOptional({ type: String, maxLength: 100, nullable: true })
  @IsOptional() // null clears the nickname
  @IsString()
  @MaxLength(100)
  nickname?: string | null;
}

export class AppUserAdminUpdateDto extends UserAdminUpdateDto {
  @ApiPropertyOptional({ enum: LOCALES })
  @IsOptionalNotNull()
  @IsIn(LOCALES)
  locale?: string;
}

export class AppUserReadDto extends UserReadDto {
  @ApiProperty({ enum: LOCALES })
  locale!: string;

  @ApiProperty({ type: String, nullable: true })
  nickname!: string | null;
}

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
