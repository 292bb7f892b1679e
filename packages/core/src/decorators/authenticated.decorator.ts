import { applyDecorators, UseGuards } from '@nestjs/common';
import { ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { ErrorDto } from '../dto/error.dto.js';
import { readAuthenticated, validateAuthenticatedOptions } from '../guards/auth-requirements.js';
import { UsersAuthGuard } from '../guards/users-auth.guard.js';
import type { AuthenticatedOptions } from '../interfaces/authenticated-options.interface.js';
import { DocumentedRoute } from '../swagger/route-extension.decorator.js';
import { AUTHENTICATED_METADATA } from '../users-auth.constants.js';

/**
 * Protects a controller or a handler: runs `UsersAuthGuard`, and documents the security requirement (one scheme per
 * allowed backend, filled in by `UsersAuthModule.setupSwagger`) and the 401/403 answers. Requirements add up: with
 * the global guard's and the class's, and with a second `@Authenticated()` on the same target (see
 * `AuthenticatedOptions`). Unknown keys and wrong types throw here, when the class is defined.
 * @throws UsersAuthConfigurationError
 * @publicApi
 */
export function Authenticated(options: AuthenticatedOptions = {}): ClassDecorator & MethodDecorator {
  validateAuthenticatedOptions(options, '@Authenticated()');
  const requirements = Object.freeze({ ...options, backends: options.backends && Object.freeze([...options.backends]) });
  const decorators = [appendRequirements(requirements as AuthenticatedOptions), UseGuards(UsersAuthGuard), DocumentedRoute()];
  if (!options.optional) {
    decorators.push(
      ApiUnauthorizedResponse({ description: 'Missing, invalid or expired token, or inactive user.', type: ErrorDto }),
    );
    if (options.verified || options.superuser) {
      decorators.push(
        ApiForbiddenResponse({ description: 'The user lacks a required verification or superuser status.', type: ErrorDto }),
      );
    }
  }
  return applyDecorators(...decorators);
}

/** Adds to the requirements already on the target (SetMetadata would replace them: two decorators, one kept). */
function appendRequirements(requirements: AuthenticatedOptions): ClassDecorator & MethodDecorator {
  return (target: object, _key?: string | symbol, descriptor?: PropertyDescriptor) => {
    const host = descriptor ? (descriptor.value as object) : target;
    Reflect.defineMetadata(AUTHENTICATED_METADATA, Object.freeze([requirements, ...readAuthenticated(host)]), host);
  };
}
