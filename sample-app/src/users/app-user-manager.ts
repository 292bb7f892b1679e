import { UserManager } from '@nest-users/core';
import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { SampleEnv } from '../config/sample-env.js';
import { Mailer } from '../mail/mailer.js';
import type { User } from './user.entity.js';

/**
 * The sample's lifecycle hooks: the user manager is an ordinary Nest provider, so it injects the mailer like any
 * service would. The base class's own dependencies are property-injected, hence the free constructor.
 */
@Injectable()
export class AppUserManager extends UserManager<User, string> {
  private readonly logger = new Logger('Users');
  /** Where links in emails point (`PUBLIC_URL`): the front end that reads the token. */
  private readonly publicUrl: string;

  constructor(
    private readonly mailer: Mailer,
    config: ConfigService<SampleEnv, true>,
  ) {
    super();
    this.publicUrl = config.get('PUBLIC_URL', { infer: true });
  }

  override async onAfterRegister(user: User): Promise<void> {
    this.logger.log(`Registered ${user.id}`);
  }

  override async onAfterRequestVerify(user: User, token: string): Promise<void> {
    await this.mailer.send({ to: user.email, subject: 'Verify your email', link: `${this.publicUrl}/verify?token=${token}` });
  }

  override async onAfterForgotPassword(user: User, token: string): Promise<void> {
    await this.mailer.send({
      to: user.email,
      subject: 'Reset your password',
      link: `${this.publicUrl}/reset-password?token=${token}`,
    });
  }

  override async onAfterResetPassword(user: User): Promise<void> {
    this.logger.log(`Password reset for ${user.id}`);
  }
}
