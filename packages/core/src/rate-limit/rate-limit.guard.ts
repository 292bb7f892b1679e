import { createHash } from 'node:crypto';
import { Inject, Injectable, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ThrottlerGuard, type ThrottlerLimitDetail, type ThrottlerStorage } from '@nestjs/throttler';
import { tooManyRequests } from '../http/http-errors.js';
import type { RateLimitedRoute } from '../interfaces/rate-limit-options.interface.js';
import { rateLimitEmailKey } from './rate-limit-email.js';
import { RATE_LIMIT_COUNTERS, type RateLimitCounter, type RateLimitSettings } from './rate-limit.defaults.js';
import { RATE_LIMIT_SETTINGS, RATE_LIMIT_STORAGE, RATE_LIMITED_ROUTE } from './rate-limit.constants.js';

/** Where each route carries its target email (the login form's OAuth2 `username` is the email). */
const EMAIL_FIELD: Partial<Record<RateLimitedRoute, string>> = {
  login: 'username',
  register: 'email',
  forgotPassword: 'email',
  requestVerifyToken: 'email',
};

/**
 * @nestjs/throttler's guard, counting each `@RateLimited()` route per client address, per address and target
 * email, and per email (see DEFAULT_RATE_LIMITS), in that order: a request refused by one counter is not counted by
 * the next, so an address over its own limit cannot use up an email's allowance.
 *
 * The client address is the platform's `request.ip`: `X-Forwarded-For` is only honoured where the app told Express
 * (`trust proxy`) or Fastify (`trustProxy`) it sits behind a proxy. Keys are SHA-256 of the route kind, the counter
 * and the address or email, so one kind shares its counters across backends and path spellings, and no store holds
 * an email in clear. Refusals are 429 `TOO_MANY_REQUESTS` with `Retry-After`.
 */
@Injectable()
export class UsersAuthThrottlerGuard extends ThrottlerGuard {
  constructor(
    @Inject(RATE_LIMIT_SETTINGS) private readonly settings: RateLimitSettings,
    @Inject(RATE_LIMIT_STORAGE) storage: ThrottlerStorage,
    reflector: Reflector,
  ) {
    // No X-RateLimit-* headers: on the per-email counters they would tell anyone how often an account is tried.
    super({ throttlers: [], setHeaders: false }, storage, reflector);
    this.commonOptions = { setHeaders: false };
  }

  /** The throttlers are this guard's own (below); the parent's setup would only warn that its list is empty. */
  override async onModuleInit(): Promise<void> {}

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const { settings } = this;
    const route = this.reflector.get<RateLimitedRoute | undefined>(RATE_LIMITED_ROUTE, context.getHandler());
    if (!settings.enabled || !route) return true;
    const { req } = this.getRequestResponse(context);
    // No address at all (an unusual adapter or test harness): such requests share one counter rather than none.
    const address = (await this.getTracker(req)) || 'unknown';
    const field = EMAIL_FIELD[route];
    const email = field ? rateLimitEmailKey((req.body as Record<string, unknown> | undefined)?.[field]) : undefined;
    const trackers: Record<RateLimitCounter, string | undefined> = {
      address,
      addressAndEmail: email && `${address}\n${email}`,
      email,
    };
    for (const counter of RATE_LIMIT_COUNTERS) {
      const rule = settings.limits[route][counter];
      const tracker = trackers[counter];
      if (!rule || tracker === undefined) continue;
      const ttl = rule.windowSeconds * 1000;
      await this.handleRequest({
        context,
        limit: rule.limit,
        ttl,
        blockDuration: (rule.blockSeconds ?? rule.windowSeconds) * 1000,
        throttler: { name: `users-auth:${counter}`, limit: rule.limit, ttl, setHeaders: false },
        getTracker: () => tracker,
        generateKey: (_context, key, name) => createHash('sha256').update(`${route}\n${name}\n${key}`).digest('hex'),
      });
    }
    return true;
  }

  protected override async throwThrottlingException(context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    const { res } = this.getRequestResponse(context);
    this.setResponseHeader(res, 'Retry-After', Math.max(1, Math.ceil(detail.timeToBlockExpire)));
    throw tooManyRequests();
  }
}
