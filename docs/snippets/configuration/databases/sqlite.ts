import { JwtAuthentication, UsersAuthModule } from '@nest-users/core';
import { AccessTokenEntity, BaseUserEntityUUID, UsersAuthTypeOrmModule } from '@nest-users/typeorm';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Column, Entity } from 'typeorm';

@Entity('user')
export class User extends BaseUserEntityUUID {
  @Column({ type: 'varchar', length: 100, nullable: true })
  displayName!: string | null;
}

@Module({
  imports: [
    TypeOrmModule.forRoot({
      type: 'better-sqlite3',
      database: 'app.sqlite',
      // AccessTokenEntity only if a backend stores tokens (DatabaseStrategy, refresh tokens).
      entities: [User, AccessTokenEntity],
      synchronize: process.env.NODE_ENV !== 'production', // use migrations in production
    }),
    UsersAuthModule.forRoot({
      imports: [UsersAuthTypeOrmModule.forFeature(User)],
      backends: [new JwtAuthentication({ secret: process.env.JWT_SECRET!, lifetimeSeconds: 3600 })],
    }),
  ],
})
export class AppModule {}
