import { applyDecorators, SetMetadata, UseGuards } from '@nestjs/common';
import { ApiTooManyRequestsResponse } from '@nestjs/swagger';
import { ErrorDto } from '../dto/error.dto.js';
import { TOO_MANY_REQUESTS } from '../http/http-errors.js';
import type { RateLimitedRoute } from '../interfaces/rate-limit-options.interface.js';
import { UsersAuthThrottlerGuard } from './rate-limit.guard.js';
import { RATE_LIMITED_ROUTE } from './rate-limit.constants.js';

/** Counts the handler under `route`'s limits (UsersAuthThrottlerGuard) and documents its 429 answer. */
export function RateLimited(route: RateLimitedRoute) {
  return applyDecorators(
    SetMetadata(RATE_LIMITED_ROUTE, route),
    UseGuards(UsersAuthThrottlerGuard),
    ApiTooManyRequestsResponse({
      description: 'Too many requests from this client address or for this email; retry after `Retry-After` seconds.',
      type: ErrorDto,
      headers: { 'Retry-After': { description: 'Seconds to wait before retrying.', schema: { type: 'integer', minimum: 1 } } },
      example: { statusCode: 429, detail: TOO_MANY_REQUESTS },
    }),
  );
}
