import { InvalidPasswordError, JwtAuthentication, UserManager, UsersAuthModule, type UserCreateInput } from '@nest-users/core';
import { BaseUserEntityUUID, UsersAuthTypeOrmModule } from '@nest-users/typeorm';
import { ConflictException, Injectable, Logger, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Entity } from 'typeorm';

@Entity('user')
export class User extends BaseUserEntityUUID {}

@Injectable()
export class AppUserManager extends UserManager<User, string> {
  // The base class's own dependencies are property-injected: this constructor is yours.
  private readonly logger = new Logger('Users');

  override async onAfterRegister(user: User): Promise<void> {
    this.logger.log(`User ${user.id} has registered.`);
  }

  override async onAfterUpdate(user: User, changes: Record<string, unknown>): Promise<void> {
    this.logger.log(`User ${user.id} changed ${Object.keys(changes).join(', ')}.`);
  }

  override async onBeforeDelete(user: User): Promise<void> {
    // The one hook that can refuse: throwing here aborts the deletion (an HttpException is answered as it is).
    if (user.isSuperuser) throw new ConflictException({ statusCode: 409, detail: 'SUPERUSER_NOT_DELETABLE' });
  }

  override async validatePassword(password: string, user: UserCreateInput | User): Promise<void> {
    await super.validatePassword(password, user); // keeps the 8 to 1024 characters rule
    if (password.toLowerCase().includes(user.email.split('@')[0].toLowerCase())) {
      throw new InvalidPasswordError('Password should not contain the email'); // the reason reaches the client
    }
  }
}

@Module({
  imports: [
    TypeOrmModule.forRoot({ type: 'better-sqlite3', database: 'app.sqlite', entities: [User], synchronize: true }),
    UsersAuthModule.forRoot({
      imports: [UsersAuthTypeOrmModule.forFeature(User)],
      userManager: AppUserManager,
      backends: [new JwtAuthentication({ secret: process.env.JWT_SECRET!, lifetimeSeconds: 3600 })],
    }),
  ],
})
export class AppModule {}
