import { createRedisClient, redisReady } from '@nest-users/redis';
import { Inject, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Redis } from 'ioredis';
import type { SampleEnv } from '../config/sample-env.js';

/** Injection token of the sample's Redis client (`null` unless REDIS_URL is set). */
export const REDIS_CLIENT = Symbol('sample:Redis');

class RedisLifecycle implements OnApplicationShutdown {
  constructor(@Inject(REDIS_CLIENT) private readonly redis: Redis | null) {}

  async onApplicationShutdown(): Promise<void> {
    this.redis?.disconnect();
  }
}

/** One fail-fast ioredis client for the app (see createRedisClient) when `REDIS_URL` is set, else `null`; closed at shutdown. */
@Module({
  providers: [
    {
      provide: REDIS_CLIENT,
      inject: [ConfigService],
      // The fail-fast client refuses commands until connected: wait for it, but start anyway if Redis is down
      // (requests that need it answer 503 until it returns).
      useFactory: async (config: ConfigService<SampleEnv, true>): Promise<Redis | null> => {
        const url = config.get('REDIS_URL', { infer: true });
        if (!url) return null;
        const redis = createRedisClient(url);
        watchConnection(redis);
        await redisReady(redis, 3000).catch(() => undefined);
        return redis;
      },
    },
    RedisLifecycle,
  ],
  exports: [REDIS_CLIENT],
})
export class RedisModule {}

/** One warning when Redis goes away and one line when it is back, instead of an error per reconnection attempt. */
function watchConnection(redis: Redis): void {
  const logger = new Logger('Redis');
  let down = false;
  redis.on('error', (error: Error) => {
    if (down) return;
    down = true;
    logger.warn(`Redis is unreachable (${error.message}); requests that need it answer 503 until it returns.`);
  });
  redis.on('ready', () => {
    if (down) logger.log('Redis is back.');
    down = false;
  });
}
