import { Catch, HttpStatus, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { StoreUnavailableError } from '../errors/store.errors.js';
import { RETRY_AFTER_SECONDS } from './http-errors.js';

/**
 * A store outage is 503 with `Retry-After`: never 500, and never 401 or 400, which would make clients drop good
 * tokens or believe a password wrong.
 */
@Catch(StoreUnavailableError)
export class StoreUnavailableFilter implements ExceptionFilter {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(_error: StoreUnavailableError, host: ArgumentsHost): void {
    const http = this.adapterHost.httpAdapter;
    const response = host.switchToHttp().getResponse();
    http.setHeader(response, 'Retry-After', String(RETRY_AFTER_SECONDS));
    http.reply(
      response,
      { statusCode: HttpStatus.SERVICE_UNAVAILABLE, detail: 'Service Unavailable' },
      HttpStatus.SERVICE_UNAVAILABLE,
    );
  }
}
