import { UserManager } from '@nest-users/core';
import { Injectable, Logger } from '@nestjs/common';
import { Mailer } from '../mail/mailer.js';
import type { User } from './user.entity.js';

/** Where links in emails point; set it to the front end that reads the token. */
const PUBLIC_URL = (process.env.PUBLIC_URL ?? `http://localhost:${process.env.PORT ?? 3000}`).replace(/\/+$/, '');

/**
 * The sample's lifecycle hooks: the user manager is an ordinary Nest provider, so it injects the mailer like any
 * service would. The base class's own dependencies are property-injected, hence the free constructor.
 */
@Injectable()
export class AppUserManager extends UserManager<User, string> {
  private readonly logger = new Logger('Users');

  constructor(private readonly mailer: Mailer) {
    super();
  }

  override async onAfterRegister(user: User): Promise<void> {
    this.logger.log(`Registered ${user.id}`);
  }

  override async onAfterRequestVerify(user: User, token: string): Promise<void> {
    await this.mailer.send({ to: user.email, subject: 'Verify your email', link: `${PUBLIC_URL}/verify?token=${token}` });
  }

  override async onAfterForgotPassword(user: User, token: string): Promise<void> {
    await this.mailer.send({
      to: user.email,
      subject: 'Reset your password',
      link: `${PUBLIC_URL}/reset-password?token=${token}`,
    });
  }

  override async onAfterResetPassword(user: User): Promise<void> {
    this.logger.log(`Password reset for ${user.id}`);
  }
}
