import { JwtAuthentication, UserManager, UsersAuthModule } from '@nest-users/core';
import { BaseUserEntityUUID, UsersAuthTypeOrmModule } from '@nest-users/typeorm';
import { Injectable, Logger, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Entity } from 'typeorm';

@Entity('user')
export class User extends BaseUserEntityUUID {}

/** Your mail service: SMTP, an email API... */
export abstract class Mailer {
  abstract send(message: { to: string; subject: string; link: string }): Promise<void>;
}

class LogMailer extends Mailer {
  private readonly logger = new Logger('Mailer');

  async send({ to, subject }: { to: string; subject: string; link: string }): Promise<void> {
    this.logger.log(`To ${to}: ${subject}`); // never log the link: it holds a live token
  }
}

@Module({ providers: [{ provide: Mailer, useClass: LogMailer }], exports: [Mailer] })
export class MailModule {}

/** Where the links point: the front end page that reads the token and calls the API. */
const FRONT_END = process.env.FRONT_END_URL ?? 'https://app.example.com';

@Injectable()
export class AppUserManager extends UserManager<User, string> {
  constructor(private readonly mailer: Mailer) {
    super(); // the base class's own dependencies are property-injected
  }

  override async onAfterRegister(user: User): Promise<void> {
    if (!user.isVerified) await this.requestVerify(user); // calls onAfterRequestVerify with a fresh token
  }

  override async onAfterRequestVerify(user: User, token: string): Promise<void> {
    await this.mailer.send({ to: user.email, subject: 'Verify your email', link: `${FRONT_END}/verify?token=${token}` });
  }

  override async onAfterForgotPassword(user: User, token: string): Promise<void> {
    await this.mailer.send({ to: user.email, subject: 'Reset your password', link: `${FRONT_END}/reset?token=${token}` });
  }
}

@Module({
  imports: [
    TypeOrmModule.forRoot({ type: 'better-sqlite3', database: 'app.sqlite', entities: [User], synchronize: true }),
    UsersAuthModule.forRoot({
      // The modules the manager's own dependencies come from.
      imports: [UsersAuthTypeOrmModule.forFeature(User), MailModule],
      userManager: AppUserManager,
      backends: [new JwtAuthentication({ secret: process.env.JWT_SECRET!, lifetimeSeconds: 3600 })],
    }),
  ],
})
export class AppModule {}
