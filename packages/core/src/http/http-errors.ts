import {
  BadRequestException,
  ForbiddenException,
  HttpException,
  HttpStatus,
  ServiceUnavailableException,
  UnauthorizedException,
} from '@nestjs/common';
import type { ErrorCode } from '../errors/error-code.enum.js';

/** Error bodies are `{statusCode, detail}`, as fastapi-users clients expect. */
export function badRequest(detail: ErrorCode | { code: ErrorCode; reason: string }): HttpException {
  return new BadRequestException({ statusCode: 400, detail });
}

export function unauthorized(): HttpException {
  return new UnauthorizedException({ statusCode: 401, detail: 'Unauthorized' });
}

export function forbidden(): HttpException {
  return new ForbiddenException({ statusCode: 403, detail: 'Forbidden' });
}

/** Responses that carry a user's data or a token must not be kept by any cache (RFC 9111 §5.2.2.5). */
export const NO_STORE = 'no-store';

/** How long clients should wait before retrying after a 503, in seconds. */
export const RETRY_AFTER_SECONDS = 5;

export function serviceUnavailable(): HttpException {
  return new ServiceUnavailableException({ statusCode: 503, detail: 'Service Unavailable' });
}

/** The `detail` of a rate-limited request (429, with `Retry-After`). */
export const TOO_MANY_REQUESTS = 'TOO_MANY_REQUESTS';

export function tooManyRequests(): HttpException {
  return new HttpException({ statusCode: HttpStatus.TOO_MANY_REQUESTS, detail: TOO_MANY_REQUESTS }, HttpStatus.TOO_MANY_REQUESTS);
}
