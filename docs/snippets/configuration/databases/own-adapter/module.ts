import { JwtAuthentication, UserRepository, UsersAuthModule } from '@nest-users/core';
import { Module } from '@nestjs/common';
import { MapUserRepository } from './map-user.repository.js';

/** Provides the UserRepository port, as UsersAuthTypeOrmModule.forFeature(User) does for TypeORM. */
@Module({
  providers: [{ provide: UserRepository, useFactory: () => new MapUserRepository() }],
  exports: [UserRepository],
})
export class MapUsersModule {}

@Module({
  imports: [
    UsersAuthModule.forRoot({
      imports: [MapUsersModule],
      backends: [new JwtAuthentication({ secret: process.env.JWT_SECRET!, lifetimeSeconds: 3600 })],
    }),
  ],
})
export class AppModule {}
