import { AccessTokenEntity, TypeOrmTokenStore } from '@nest-users/typeorm';
import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';

const HOUR_MS = 3_600_000;

/** Expired database tokens are never accepted, but they stay in the table until purged: once an hour here. */
@Injectable()
export class TokenPurgeService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('TokenPurge');
  private timer?: NodeJS.Timeout;

  constructor(@InjectRepository(AccessTokenEntity) private readonly tokens: Repository<AccessTokenEntity>) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.purge(), HOUR_MS).unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  async purge(): Promise<number> {
    try {
      const purged = await new TypeOrmTokenStore(this.tokens).purgeExpired();
      if (purged) this.logger.log(`Purged ${purged} expired tokens.`);
      return purged;
    } catch (error) {
      this.logger.warn(`Token purge failed: ${error instanceof Error ? error.message : String(error)}`);
      return 0;
    }
  }
}
