import { createParamDecorator, type ExecutionContext } from '@nestjs/common';

/**
 * The authenticated user (`null` on an `optional` route without one); `@CurrentUser('email')` picks one field.
 * @publicApi
 */
export const CurrentUser = createParamDecorator((field: string | undefined, context: ExecutionContext) => {
  const user = context.switchToHttp().getRequest().user;
  return field && user ? user[field] : (user ?? null);
});
