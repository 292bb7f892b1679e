import type { ExecutionContext } from '@nestjs/common';
import { UsersAuthConfigurationError } from '../../errors/configuration.errors.js';
import type { GuardContext } from './guard-context.js';
import { graphqlGuardContext } from './graphql.context.js';
import { httpGuardContext } from './http.context.js';
import { wsGuardContext } from './ws.context.js';

const contexts: Record<string, GuardContext> = {
  http: httpGuardContext,
  graphql: graphqlGuardContext,
  ws: wsGuardContext,
};

/**
 * The piece of `UsersAuthGuard` and `@CurrentUser()` for the context Nest runs this handler in.
 * @throws UsersAuthConfigurationError for a context without one (microservices): the guard never fails open.
 */
export function guardContextOf(context: ExecutionContext): GuardContext {
  const type = context.getType<string>();
  const found = contexts[type];
  if (!found) {
    throw new UsersAuthConfigurationError(
      `UsersAuthGuard cannot authenticate a "${type}" handler (${context.getClass().name}.${context.getHandler().name}): ` +
        'it knows HTTP, GraphQL and WebSocket handlers.',
    );
  }
  return found;
}

export type { AuthFailure, AuthRecord, GuardContext } from './guard-context.js';
