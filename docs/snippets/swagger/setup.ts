import { UsersAuthModule } from '@nest-users/core';
import { VersioningType } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder } from '@nestjs/swagger';
import { AppModule } from '../configuration/overview.js';

export async function bootstrap() {
  const app = await NestFactory.create(AppModule);
  // Set the prefix and versioning first: the tokenUrl of each scheme is the login path as really mounted.
  app.setGlobalPrefix('api');
  app.enableVersioning({ type: VersioningType.URI });
  const config = new DocumentBuilder().setTitle('My API').setVersion('1.0').build();
  // Swagger UI at /docs, the JSON document at /docs-json.
  UsersAuthModule.setupSwagger(app, config, 'docs', { custom: { customSiteTitle: 'My API' } });
  await app.listen(3000);
}
