import { UsersAuthModule } from '@nest-users/core';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder } from '@nestjs/swagger';
import { AppModule } from './app.module.js';

async function bootstrap() {
  const app = await NestFactory.create<NestFastifyApplication>(AppModule, new FastifyAdapter());
  UsersAuthModule.setupSwagger(app, new DocumentBuilder().setTitle('My API').build(), 'docs');
  await app.listen(process.env.PORT ?? 3000, '0.0.0.0');
}
void bootstrap();
