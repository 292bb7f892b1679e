import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { UsersAuthConfigurationError } from '../errors/configuration.errors.js';
import { guardContextOf } from '../guards/contexts/guard-contexts.js';
import { AUTH_REQUIREMENTS } from '../users-auth.constants.js';

/**
 * Reads the user a guard authenticated, in a controller, a resolver or a gateway. No guard authenticating the route
 * is a developer error, thrown (at startup for the handlers the module can see, see `UsersAuthModule`), never a
 * silent `null`: only an `optional` route without a user gets `null`.
 */
export function currentUserFactory(field: string | undefined, context: ExecutionContext): unknown {
  // Where the guard left it: the HTTP request, or this resolver call's or this message's record.
  const record = guardContextOf(context).record(context);
  const user = record.user as Record<string, unknown> | null | undefined;
  // UsersAuthGuard marks what it checked; another guard (AuthGuard('users-auth:<name>')) leaves only `user`.
  if (!record[AUTH_REQUIREMENTS] && !user) {
    throw new UsersAuthConfigurationError(
      `@CurrentUser() on ${context.getClass().name}.${context.getHandler().name}, which no guard authenticated: ` +
        'add @Authenticated() (or `optional: true` to allow anonymous callers).',
    );
  }
  return field && user ? user[field] : (user ?? null);
}

/**
 * The authenticated user (`null` on an `optional` route without one); `@CurrentUser('email')` picks one field.
 * @publicApi
 */
export const CurrentUser = createParamDecorator(currentUserFactory);
