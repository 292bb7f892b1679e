import type { ExecutionContext } from '@nestjs/common';
import type { HttpAdapterHost } from '@nestjs/core';
import { forbidden, NO_STORE, RETRY_AFTER_SECONDS, serviceUnavailable, unauthorized } from '../../http/http-errors.js';
import type { TokenCarrier } from '../../transport/transport.interface.js';
import type { AuthFailure, AuthRecord, GuardContext } from './guard-context.js';

// An HTTP handler's arguments are (request, response, next). Read by index: `switchToHttp()` assigns three new closures
// to the context on every call, and this runs on every authenticated request.
const REQUEST = 0;
const RESPONSE = 1;

function setHeader(context: ExecutionContext, host: HttpAdapterHost, name: string, value: string): void {
  const response = context.getArgByIndex(RESPONSE);
  if (response) host.httpAdapter.setHeader(response, name, value);
}

/**
 * Controllers (Express and Fastify): the request carries the credentials and the user (`request.user`, as passport
 * does); 401 with `WWW-Authenticate` (RFC 6750), 403, 503 with `Retry-After`.
 */
export const httpGuardContext: GuardContext = {
  request: (context) => context.getArgByIndex<TokenCarrier>(REQUEST),
  record: (context) => context.getArgByIndex<AuthRecord>(REQUEST),
  recordPerCall: true,
  failure(context, kind: AuthFailure, sentToken, host) {
    if (kind === 'unauthenticated') {
      setHeader(context, host, 'WWW-Authenticate', sentToken ? 'Bearer error="invalid_token"' : 'Bearer');
      return unauthorized();
    }
    if (kind === 'forbidden') return forbidden();
    // Never as 401: a client must not drop a good token because the store is down.
    setHeader(context, host, 'Retry-After', String(RETRY_AFTER_SECONDS));
    return serviceUnavailable();
  },
  authenticated(context, host) {
    // What an authenticated route answers is this user's: no cache may keep it. A handler's @Header() still wins.
    setHeader(context, host, 'Cache-Control', NO_STORE);
  },
};
