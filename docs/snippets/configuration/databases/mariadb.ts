import { JwtAuthentication, UsersAuthModule } from '@nest-users/core';
import { AccessTokenEntity, BaseUserEntityUUID, UsersAuthTypeOrmModule } from '@nest-users/typeorm';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Entity } from 'typeorm';

@Entity('user')
export class User extends BaseUserEntityUUID {}

@Module({
  imports: [
    TypeOrmModule.forRoot({
      type: 'mariadb', // or 'mysql' for MySQL; both through the mysql2 driver
      url: process.env.DATABASE_URL, // mysql://user:password@host:3306/db, a database created with COLLATE utf8mb4_bin
      charset: 'utf8mb4', // every Unicode email fits
      entities: [User, AccessTokenEntity],
      synchronize: process.env.NODE_ENV !== 'production', // creates the tables; use migrations in production
      connectTimeout: 2000,
    }),
    UsersAuthModule.forRoot({
      imports: [UsersAuthTypeOrmModule.forFeature(User)],
      backends: [new JwtAuthentication({ secret: process.env.JWT_SECRET!, lifetimeSeconds: 3600 })],
    }),
  ],
})
export class AppModule {}
