import { Authenticated, CurrentUser, JwtAuthentication, Public, UsersAuthModule, type UserProtocol } from '@nest-users/core';
import { BaseUserEntityUUID, UsersAuthTypeOrmModule } from '@nest-users/typeorm';
import { Controller, Get, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Entity } from 'typeorm';

@Entity('user')
export class User extends BaseUserEntityUUID {}

@Controller()
export class AppController {
  @Get('profile') // authenticated by the global guard: verified users only
  profile(@CurrentUser() user: UserProtocol<string>) {
    return { email: user.email };
  }

  @Get('welcome')
  @Authenticated({ verified: false, override: true }) // relaxing is explicit
  welcome(@CurrentUser() user: UserProtocol<string>) {
    return { verified: user.isVerified };
  }

  @Get('status')
  @Public()
  status() {
    return { up: true };
  }
}

@Module({
  imports: [
    TypeOrmModule.forRoot({ type: 'better-sqlite3', database: 'app.sqlite', entities: [User], synchronize: true }),
    UsersAuthModule.forRoot({
      imports: [UsersAuthTypeOrmModule.forFeature(User)],
      backends: [new JwtAuthentication({ secret: process.env.JWT_SECRET!, lifetimeSeconds: 3600 })],
      globalGuard: { verified: true }, // or `true`: every route needs an active user unless @Public()
    }),
  ],
  controllers: [AppController],
})
export class AppModule {}
