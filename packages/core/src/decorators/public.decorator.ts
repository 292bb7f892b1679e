import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiExtension } from '@nestjs/swagger';
import { OPENAPI_AUTH_EXTENSION, PUBLIC_METADATA } from '../users-auth.constants.js';

/** Opens a route (or a controller) when the global guard is on (`globalGuard: true`). @publicApi */
export function Public(): ClassDecorator & MethodDecorator {
  return applyDecorators(SetMetadata(PUBLIC_METADATA, true), ApiExtension(OPENAPI_AUTH_EXTENSION, { public: true }));
}
