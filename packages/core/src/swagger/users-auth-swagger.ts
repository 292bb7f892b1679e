import type { INestApplication } from '@nestjs/common';
import {
  SwaggerModule,
  type OpenAPIObject,
  type OperationObject,
  type SwaggerCustomOptions,
  type SwaggerDocumentOptions,
} from '@nestjs/swagger';
import type { AuthenticationBackend } from '../backend/authentication-backend.js';
import { UsersAuthConfigurationError } from '../errors/configuration.errors.js';
import type { UsersAuthSettings } from '../interfaces/users-auth-module-options.interface.js';
import { AUTH_BACKENDS, OPENAPI_AUTH_EXTENSION, USERS_AUTH_SETTINGS } from '../users-auth.constants.js';

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

type AuthExtension = { public?: boolean; backends?: string[] | null };

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
  const settings = app.get<UsersAuthSettings>(USERS_AUTH_SETTINGS, { strict: false });
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

  const allNames = backends.map((backend) => backend.name);
  for (const { operation } of operations) {
    const record = operation as OperationObject & Record<string, unknown>;
    const extension = record[OPENAPI_AUTH_EXTENSION] as AuthExtension | undefined;
    delete record[OPENAPI_AUTH_EXTENSION];
    if (extension?.public || (!extension && !settings.globalGuard)) continue;
    const names = extension?.backends ?? settings.globalRequirements.backends ?? allNames;
    operation.security = names.map((name) => ({ [name]: [] }));
    operation.responses['401'] ??= { description: 'Missing, invalid or expired token, or inactive user.' };
  }
  return document;
}
