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
      type: 'postgres',
      url: process.env.DATABASE_URL, // postgres://user:password@host:5432/db
      entities: [User, AccessTokenEntity],
      synchronize: process.env.NODE_ENV !== 'production', // creates the tables; use migrations in production
      // Deadlines, so an unreachable or hung server answers 503 in seconds instead of hanging requests.
      extra: { max: 20, connectionTimeoutMillis: 2000, query_timeout: 5000, statement_timeout: 5000 },
      retryAttempts: 2,
    }),
    UsersAuthModule.forRoot({
      imports: [UsersAuthTypeOrmModule.forFeature(User)],
      backends: [new JwtAuthentication({ secret: process.env.JWT_SECRET!, lifetimeSeconds: 3600 })],
    }),
  ],
})
export class AppModule {}
