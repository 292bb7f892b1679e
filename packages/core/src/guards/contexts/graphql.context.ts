import { IntrinsicException } from '@nestjs/common';
import { RETRY_AFTER_SECONDS } from '../../http/http-errors.js';
import type { TokenCarrier } from '../../transport/transport.interface.js';
import { AUTH_FAILURE_MESSAGES, recordsBy, type AuthFailure, type GuardContext } from './guard-context.js';
import { subscriptionCarrier } from './handshake.js';

/** `extensions.code` of each refusal: the codes Apollo Server and GraphQL clients already know. */
export const GRAPHQL_ERROR_CODES: Readonly<Record<AuthFailure, string>> = Object.freeze({
  unauthenticated: 'UNAUTHENTICATED',
  forbidden: 'FORBIDDEN',
  unavailable: 'SERVICE_UNAVAILABLE',
});

interface GraphQLContextValue {
  req?: TokenCarrier;
  request?: TokenCarrier;
  reply?: { request?: TokenCarrier };
  connectionParams?: Record<string, unknown>;
  extra?: { request?: TokenCarrier };
  /** Mercurius's subscription context: the `connection_init` payload (its `request` is the upgrade request). */
  _connectionInit?: unknown;
}

/**
 * The HTTP request of a GraphQL operation: `req` (Apollo on Express and Fastify, Nest's default context), `request`
 * or `reply.request` (Mercurius); for a subscription over `graphql-ws`, its `connectionParams` and upgrade request;
 * for a Mercurius subscription, its `connection_init` payload and upgrade request.
 */
export function graphqlRequest(value: GraphQLContextValue | undefined): TokenCarrier | undefined {
  if (!value) return undefined;
  // Mercurius subscriptions: the payload's token over the upgrade request, judged as the handshake was.
  if ('_connectionInit' in value) return subscriptionCarrier(value.request, value._connectionInit);
  const http = value.req ?? value.request ?? value.reply?.request;
  if (http?.headers) return http;
  if (value.connectionParams !== undefined || value.extra?.request) {
    return subscriptionCarrier(value.extra?.request, value.connectionParams);
  }
  return undefined;
}

/**
 * A refusal of a resolver call. graphql-js turns it into the `GraphQLError` of the answer, keeping its message and
 * `extensions`, so core imports nothing from `graphql`. As an `IntrinsicException`, Nest does not log
 * it as a server error: a refused caller is no fault of the app.
 * @publicApi
 */
export class GraphQLRefusal extends IntrinsicException {
  readonly extensions: Readonly<Record<string, unknown>>;

  constructor(readonly kind: AuthFailure) {
    super(AUTH_FAILURE_MESSAGES[kind]);
    this.name = 'GraphQLRefusal';
    this.extensions = Object.freeze({
      code: GRAPHQL_ERROR_CODES[kind],
      ...(kind === 'unavailable' && { retryAfter: RETRY_AFTER_SECONDS }),
    });
  }
}

/**
 * Resolvers (`@nestjs/graphql`): the credentials come from the context's request, the user is kept per resolver call
 * (two fields of one operation may have different requirements), and a refusal becomes a `GraphQLError` whose
 * `extensions.code` is `UNAUTHENTICATED`, `FORBIDDEN` or `SERVICE_UNAVAILABLE` (then with `retryAfter` in seconds):
 * the response stays a GraphQL one, HTTP 200 with `errors`.
 */
export const graphqlGuardContext: GuardContext = {
  request: (context) => graphqlRequest(context.getArgByIndex<GraphQLContextValue | undefined>(2)),
  // `info` is made for each field of each operation: one record per resolver call.
  record: recordsBy((context) => context.getArgByIndex<object | undefined>(3) ?? context.getArgByIndex<object>(2)),
  recordPerCall: true,
  failure: (_context, kind) => new GraphQLRefusal(kind),
  authenticated: () => undefined,
};
