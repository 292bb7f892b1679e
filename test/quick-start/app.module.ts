// src/app.module.ts
import { Authenticated, CurrentUser, JwtAuthentication, UsersAuthModule } from '@nest-users/core';
import { BaseUserEntityUUID, UsersAuthTypeOrmModule } from '@nest-users/typeorm';
import { Controller, Get, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Entity } from 'typeorm';

@Entity('user')
export class User extends BaseUserEntityUUID {}

@Controller('notes')
@Authenticated()
export class NotesController {
  @Get() list(@CurrentUser() user: User) { return { owner: user.email, notes: [] }; }
}

@Module({
  imports: [
    TypeOrmModule.forRoot({ type: 'better-sqlite3', database: 'app.sqlite', entities: [User], synchronize: true }),
    UsersAuthModule.forRoot({
      imports: [UsersAuthTypeOrmModule.forFeature(User)],
      backends: [new JwtAuthentication({ secret: process.env.JWT_SECRET!, lifetimeSeconds: 3600 })],
    }),
  ],
  controllers: [NotesController],
})
export class AppModule {}
