import { addUsersAuthSecurity } from '@nest-users/core';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { AppModule } from '../configuration/overview.js';

export async function bootstrap() {
  const app = await NestFactory.create(AppModule);
  const document = SwaggerModule.createDocument(app, new DocumentBuilder().setTitle('My API').build(), {
    operationIdFactory: (controller, method) => `${controller}_${method}`,
  });
  // One security scheme per backend, and the requirement on the protected operations only.
  addUsersAuthSecurity(app, document);
  SwaggerModule.setup('docs', app, document, { swaggerOptions: { persistAuthorization: true } });
  await app.listen(3000);
}
