import { applyDecorators, SetMetadata, UseGuards } from '@nestjs/common';
import { ApiExtension, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { ErrorDto } from '../dto/error.dto.js';
import { UsersAuthGuard } from '../guards/users-auth.guard.js';
import type { AuthenticatedOptions } from '../interfaces/authenticated-options.interface.js';
import { AUTHENTICATED_METADATA, OPENAPI_AUTH_EXTENSION } from '../users-auth.constants.js';

/**
 * Protects a controller or a handler: runs `UsersAuthGuard`, and documents the security requirement (one scheme per
 * allowed backend, filled in by `UsersAuthModule.setupSwagger`) and the 401/403 answers.
 * @publicApi
 */
export function Authenticated(options: AuthenticatedOptions = {}): ClassDecorator & MethodDecorator {
  const requirements = Object.freeze({ ...options, backends: options.backends && [...options.backends] });
  const decorators = [
    SetMetadata(AUTHENTICATED_METADATA, requirements),
    UseGuards(UsersAuthGuard),
    ApiExtension(OPENAPI_AUTH_EXTENSION, { backends: requirements.backends ?? null }),
  ];
  if (!options.optional) {
    decorators.push(ApiUnauthorizedResponse({ description: 'Missing, invalid or expired token, or inactive user.', type: ErrorDto }));
    if (options.verified || options.superuser) {
      decorators.push(ApiForbiddenResponse({ description: 'The user lacks a required verification or superuser status.', type: ErrorDto }));
    }
  }
  return applyDecorators(...decorators);
}
