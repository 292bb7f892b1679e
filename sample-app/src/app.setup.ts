import { UsersAuthModule } from '@nest-users/core';
import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder } from '@nestjs/swagger';

/**
 * What the app needs beyond its module, before `init()`/`listen()`: Swagger UI at `/docs` (JSON at `/docs-json`),
 * with an Authorize button for every backend. `main.ts` calls it, and so do the tests that build the app themselves.
 */
export function setupSampleApp(app: INestApplication): void {
  UsersAuthModule.setupSwagger(
    app,
    new DocumentBuilder()
      .setTitle('nest-users sample')
      .setDescription('Register, click Authorize (email as username), then try the notes.')
      .setVersion('0.1.0')
      .build(),
    'docs',
  );
}
