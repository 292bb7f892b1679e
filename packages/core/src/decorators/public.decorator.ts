import { applyDecorators, SetMetadata } from '@nestjs/common';
import { DocumentedRoute } from '../swagger/route-extension.decorator.js';
import { PUBLIC_METADATA } from '../users-auth.constants.js';

/**
 * Opens a route (or a controller) wherever `UsersAuthGuard` runs (global guard, `APP_GUARD`, `@UseGuards`). A
 * handler's own `@Authenticated()` re-protects it inside a `@Public()` controller; both on one target fail at startup.
 * @publicApi
 */
export function Public(): ClassDecorator & MethodDecorator {
  return applyDecorators(SetMetadata(PUBLIC_METADATA, true), DocumentedRoute());
}
