// src/main.ts
import { UsersAuthModule } from '@nest-users/core';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder } from '@nestjs/swagger';
import { AppModule } from './app.module.js';

async function bootstrap() {
  const app = await NestFactory.create(AppModule);
  UsersAuthModule.setupSwagger(app, new DocumentBuilder().setTitle('My API').build(), 'docs');
  await app.listen(process.env.PORT ?? 3000);
}
void bootstrap();
