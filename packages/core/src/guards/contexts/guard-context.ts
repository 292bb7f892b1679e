import type { ExecutionContext } from '@nestjs/common';
import type { HttpAdapterHost } from '@nestjs/core';
import type { TokenCarrier } from '../../transport/transport.interface.js';

/** Where a guard leaves the user it authenticated (or `null` on an `optional` route), for `@CurrentUser()`. */
export type AuthRecord = Record<PropertyKey, unknown>;

/** Why the guard refuses: no valid user (401), a user who lacks a requirement (403), a store outage (503). */
export type AuthFailure = 'unauthenticated' | 'forbidden' | 'unavailable';

/** The message of each refusal, the same words as the HTTP answers' `detail`. */
export const AUTH_FAILURE_MESSAGES: Readonly<Record<AuthFailure, string>> = Object.freeze({
  unauthenticated: 'Unauthorized',
  forbidden: 'Forbidden',
  unavailable: 'Service Unavailable',
});

/**
 * What differs between the contexts Nest runs a handler in (HTTP, GraphQL, WebSocket): where the credentials are,
 * where the result goes and how a refusal looks. The backend loop and the user rules stay in `UsersAuthGuard`.
 */
export interface GuardContext {
  /** The headers (and method) the transports read, or `undefined` when the call carries none. */
  request(context: ExecutionContext): TokenCarrier | undefined;
  /** Where this call's user goes: read by `@CurrentUser()` through the same context. */
  record(context: ExecutionContext): AuthRecord;
  /**
   * Whether `record` is this call's alone (an HTTP request, a GraphQL resolver call), so a second guard on the same
   * call may trust the first one's result; a record that outlives the call (a gateway client's) is checked anew.
   */
  readonly recordPerCall: boolean;
  /** The error to throw; `sentToken` tells a rejected token from a missing one (HTTP's `WWW-Authenticate`). */
  failure(context: ExecutionContext, kind: AuthFailure, sentToken: boolean, host: HttpAdapterHost): Promise<Error> | Error;
  /** Runs once the call is authenticated (HTTP: `Cache-Control: no-store`). */
  authenticated(context: ExecutionContext, host: HttpAdapterHost): void;
}

/**
 * Records kept as long as `key(context)` lives: the `info` of a GraphQL resolver call is one per call, a gateway
 * client is one per connection (then one record per handler). Nest hands guards and parameter decorators different
 * argument arrays, but the same arguments.
 */
export function recordsBy(key: (context: ExecutionContext) => object): (context: ExecutionContext) => AuthRecord {
  const records = new WeakMap<object, WeakMap<Function, AuthRecord>>();
  return (context) => {
    const owner = key(context);
    let byHandler = records.get(owner);
    if (!byHandler) records.set(owner, (byHandler = new WeakMap()));
    let record = byHandler.get(context.getHandler());
    if (!record) byHandler.set(context.getHandler(), (record = {}));
    return record;
  };
}
