import { Logger, Module } from '@nestjs/common';

export interface MailMessage {
  to: string;
  subject: string;
  /** The link to follow; it carries a secret token. */
  link: string;
}

/** Where the sample's emails go; swap `LogMailer` for an SMTP or API client in a real app. */
export abstract class Mailer {
  abstract send(message: MailMessage): Promise<void>;
}

/** How many sent messages the dev outbox keeps. */
const OUTBOX_SIZE = 50;

/**
 * "Sends" by logging. The link holds a live token, so outside development it is logged at debug level only, and the
 * info line names the recipient and the subject alone. The last messages stay in `outbox` for local testing.
 */
export class LogMailer extends Mailer {
  private readonly logger = new Logger('Mailer');
  readonly outbox: MailMessage[] = [];

  constructor(private readonly revealLinks = process.env.NODE_ENV !== 'production') {
    super();
  }

  async send(message: MailMessage): Promise<void> {
    this.outbox.push(message);
    if (this.outbox.length > OUTBOX_SIZE) this.outbox.shift();
    if (this.revealLinks) {
      this.logger.log(`To ${message.to}: ${message.subject}: ${message.link}`);
    } else {
      this.logger.log(`To ${message.to}: ${message.subject} (link logged at debug level)`);
      this.logger.debug(`Link for ${message.to}: ${message.link}`);
    }
  }
}

@Module({ providers: [{ provide: Mailer, useFactory: () => new LogMailer() }], exports: [Mailer] })
export class MailModule {}
