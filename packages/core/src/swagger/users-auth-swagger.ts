import { Logger, type INestApplication } from '@nestjs/common';
import { ApplicationConfig } from '@nestjs/core';
import {
  SwaggerModule,
  type OpenAPIObject,
  type OperationObject,
  type SchemaObject,
  type SwaggerCustomOptions,
  type SwaggerDocumentOptions,
} from '@nestjs/swagger';
import type { AuthenticationBackend } from '../backend/authentication-backend.js';
import { UsersAuthConfigurationError } from '../errors/configuration.errors.js';
import { defaultRouteRequirements, resolveRouteRequirements } from '../guards/auth-requirements.js';
import { readAuthenticated } from '../guards/auth-requirements.js';
import { carriesUsersAuthGuard, UsersAuthGuard } from '../guards/users-auth.guard.js';
import type { ResolvedUsersAuthOptions } from '../interfaces/users-auth-module-options.interface.js';
import { OAuthProviders } from '../oauth/oauth-providers.js';
import { AUTH_BACKENDS, OPENAPI_AUTH_EXTENSION, USERS_AUTH_OPTIONS } from '../users-auth.constants.js';
import type { RouteExtension } from './route-extension.decorator.js';

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/** @publicApi */
export interface UsersAuthSwaggerOptions {
  /** Passed to `SwaggerModule.createDocument`. */
  document?: SwaggerDocumentOptions;
  /** Passed to `SwaggerModule.setup`; `persistAuthorization` is on unless you turn it off. */
  custom?: SwaggerCustomOptions;
}

/**
 * Builds the document, adds the security of every backend (see `addUsersAuthSecurity`) and serves Swagger UI at
 * `path` (JSON at `<path>-json`).
 * @publicApi
 */
export function setupUsersAuthSwagger(
  app: INestApplication,
  config: Omit<OpenAPIObject, 'paths'>,
  path = 'docs',
  options: UsersAuthSwaggerOptions = {},
): OpenAPIObject {
  const document = addUsersAuthSecurity(app, SwaggerModule.createDocument(app, config, options.document));
  SwaggerModule.setup(path, app, document, {
    ...options.custom,
    swaggerOptions: { persistAuthorization: true, ...options.custom?.swaggerOptions },
  });
  return document;
}

/**
 * One security scheme per backend, named after it (a bearer backend gets an OAuth2 password flow whose `tokenUrl`
 * is the login path as mounted, global prefix and version included), and a security requirement on exactly the
 * protected operations. Both sides come from the same backend names, so Authorize always applies.
 * @publicApi
 */
export function addUsersAuthSecurity(app: INestApplication, document: OpenAPIObject): OpenAPIObject {
  const backends = app.get<AuthenticationBackend[]>(AUTH_BACKENDS, { strict: false });
  const options = app.get<ResolvedUsersAuthOptions>(USERS_AUTH_OPTIONS, { strict: false });
  const operations = Object.entries(document.paths).flatMap(([path, item]) =>
    METHODS.filter((method) => item[method]).map((method) => ({ path, operation: item[method] as OperationObject })),
  );

  document.components ??= {};
  document.components.securitySchemes ??= {};
  for (const backend of backends) {
    const login = operations.find(({ operation }) => operation.operationId === `auth:${backend.name}.login`);
    const tokenUrl = backend.tokenUrl ?? login?.path;
    if (!tokenUrl) {
      throw new UsersAuthConfigurationError(
        `No login route of backend "${backend.name}" is in the document; pass \`tokenUrl\` to the backend.`,
      );
    }
    document.components.securitySchemes[backend.name] = backend.transport.securityScheme(tokenUrl);
    if (login) {
      const { status, description, schema } = backend.transport.loginOpenApi;
      delete login.operation.responses['200'];
      delete login.operation.responses['201'];
      login.operation.responses[String(status)] = schema
        ? { description, content: { 'application/json': { schema } } }
        : { description };
    }
  }

  // An OAuth callback logs in like its provider's backend.
  for (const name of options.oauthNames) {
    const callback = operations.find(({ operation }) => operation.operationId === `oauth:${name}.callback`);
    if (!callback) continue;
    const { status, description, schema } = app.get(OAuthProviders, { strict: false }).get(name).backend.transport.loginOpenApi;
    delete callback.operation.responses['200'];
    callback.operation.responses[String(status)] = schema
      ? { description, content: { 'application/json': { schema } } }
      : { description };
  }

  for (const warning of untypedProperties(document)) new Logger('UsersAuthSwagger').warn(warning);

  const allNames = backends.map((backend) => backend.name);
  const defaults = options.requirementDefaults;
  // Routes without our decorators are protected where the guard runs on every route (as the guard would).
  const guardedEverywhere =
    options.globalGuard ||
    app
      .get(ApplicationConfig, { strict: false })
      .getGlobalGuards()
      .some((guard) => guard instanceof UsersAuthGuard);
  for (const { operation } of operations) {
    const record = operation as OperationObject & Record<string, unknown>;
    const extension = record[OPENAPI_AUTH_EXTENSION] as RouteExtension | undefined;
    delete record[OPENAPI_AUTH_EXTENSION];
    const requirements = !extension
      ? guardedEverywhere
        ? defaultRouteRequirements(defaults)
        : undefined
      : guardedEverywhere || isAuthenticated(extension)
        ? resolveRouteRequirements(extension.controller, extension.handler, defaults)
        : undefined;
    if (!requirements) continue;
    const names = requirements.backends ?? allNames;
    operation.security = names.map((name) => ({ [name]: [] }));
    operation.responses['401'] ??= { description: 'Missing, invalid or expired token, or inactive user.' };
  }
  return document;
}

/** Whether the guard runs on this route by its own decorators. */
function isAuthenticated({ controller, handler }: RouteExtension): boolean {
  return (
    readAuthenticated(handler).length > 0 ||
    readAuthenticated(controller).length > 0 ||
    carriesUsersAuthGuard(handler, controller)
  );
}

/**
 * Properties documented as a bare `type: object`: what @nestjs/swagger writes when the reflected type is `Object`,
 * which TypeScript emits for every union (`displayName?: string | null`). Code generators then type the field as an
 * empty object, so a client cannot send a string. One message per property, naming the fix.
 */
export function untypedProperties(document: OpenAPIObject): string[] {
  const warnings: string[] = [];
  for (const [name, schema] of Object.entries(document.components?.schemas ?? {})) {
    for (const [key, property] of Object.entries((schema as SchemaObject).properties ?? {})) {
      const value = property as SchemaObject;
      const shaped = value.properties || value.additionalProperties || value.allOf || value.oneOf || value.anyOf;
      if (value.type !== 'object' || shaped) continue;
      warnings.push(
        `${name}.${key} is documented as a bare object: TypeScript reflects a union such as \`string | null\` as ` +
          `Object. Name the type: @ApiProperty({ type: String, nullable: true }) (or additionalProperties for a map).`,
      );
    }
  }
  return warnings;
}
