import { JwtAuthentication, UsersAuthModule } from '@nest-users/core';
import { BaseUserEntityUUID, UsersAuthTypeOrmModule } from '@nest-users/typeorm';
import { Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Entity } from 'typeorm';

@Entity('user')
export class User extends BaseUserEntityUUID {}

@Module({
  imports: [
    ConfigModule.forRoot(),
    TypeOrmModule.forRootAsync({
      imports: [ConfigModule],
      inject: [ConfigService],
      useFactory: (config: ConfigService) => ({
        type: 'postgres',
        url: config.getOrThrow<string>('DATABASE_URL'),
        entities: [User],
        synchronize: config.get('NODE_ENV') !== 'production', // creates the tables; use migrations in production
      }),
    }),
    // #region readme
    UsersAuthModule.forRootAsync({
      backendNames: ['jwt'],
      imports: [ConfigModule, UsersAuthTypeOrmModule.forFeature(User)],
      inject: [ConfigService],
      useFactory: (config: ConfigService) => ({
        backends: [new JwtAuthentication({ secret: config.getOrThrow('JWT_SECRET'), lifetimeSeconds: 3600 })],
      }),
    }),
    // #endregion readme
  ],
})
export class AppModule {}
