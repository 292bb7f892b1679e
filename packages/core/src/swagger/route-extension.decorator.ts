import type { Type } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import type { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { ApiExtension } from '@nestjs/swagger';
import { OPENAPI_AUTH_EXTENSION } from '../users-auth.constants.js';

/** What `@Authenticated()` and `@Public()` leave in an operation for `addUsersAuthSecurity`: the route itself. */
export interface RouteExtension {
  controller: Function;
  handler: Function;
}

/**
 * Points each documented operation at its controller and handler, so the document's security is computed by the
 * same rules as the guard (requirements of the global guard, the class and the handler combined), not by whichever
 * decorator's extension happened to be applied first.
 */
export function DocumentedRoute(): ClassDecorator & MethodDecorator {
  return (target: object, key?: string | symbol, descriptor?: PropertyDescriptor) => {
    if (descriptor) {
      ApiExtension(OPENAPI_AUTH_EXTENSION, pointer(target.constructor, descriptor.value))(target, key!, descriptor);
      return;
    }
    const controller = target as Function;
    for (const name of Object.getOwnPropertyNames(controller.prototype)) {
      const handler = Object.getOwnPropertyDescriptor(controller.prototype, name)?.value as Function | undefined;
      if (name === 'constructor' || typeof handler !== 'function' || !Reflect.hasMetadata(METHOD_METADATA, handler)) continue;
      const method = Object.getOwnPropertyDescriptor(controller.prototype, name)!;
      ApiExtension(OPENAPI_AUTH_EXTENSION, pointer(controller, handler))(controller.prototype, name, method);
    }
  };
}

/**
 * Gives every route of the app without our decorators the same pointer (`@UseGuards(UsersAuthGuard)` alone, or
 * nothing under an `APP_GUARD`), when the module is instantiated: before any Swagger document is built.
 */
export function documentAllRoutes(discovery: DiscoveryService, scanner: MetadataScanner): void {
  for (const wrapper of discovery.getControllers()) {
    const controller = wrapper.metatype as Type<unknown> | undefined;
    if (!controller?.prototype) continue;
    for (const name of scanner.getAllMethodNames(controller.prototype)) {
      const descriptor = Object.getOwnPropertyDescriptor(controller.prototype, name);
      const handler = descriptor?.value as Function | undefined;
      if (!descriptor || !handler || Reflect.getMetadata(PATH_METADATA, handler) === undefined) continue;
      ApiExtension(OPENAPI_AUTH_EXTENSION, pointer(controller, handler))(controller.prototype, name, descriptor);
    }
  }
}

/** The pointer, invisible in a document served without `addUsersAuthSecurity` (JSON drops it). */
function pointer(controller: Function, handler: Function): RouteExtension & { toJSON(): undefined } {
  return { controller, handler, toJSON: () => undefined };
}
