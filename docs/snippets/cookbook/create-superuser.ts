import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { UserManager, type UserProtocol } from '@nest-users/core';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../configuration/overview.js';

// node dist/create-superuser.js --email you@example.com --password '...'
async function main(): Promise<void> {
  const { values } = parseArgs({ options: { email: { type: 'string' }, password: { type: 'string' } } });
  if (!values.email || !values.password) throw new Error('usage: create-superuser --email <email> --password <password>');
  // The whole app without its HTTP server: the same database, UserManager, password policy and hooks.
  const app = await NestFactory.createApplicationContext(AppModule, { logger: ['error', 'warn'] });
  try {
    const users = app.get<UserManager<UserProtocol<string>, string>>(UserManager);
    // App code calls the manager with `safe: false` (the default): the status fields are applied.
    const user = await users.create({ email: values.email, password: values.password, isSuperuser: true, isVerified: true });
    console.log(`Created superuser ${user.email} (${user.id}).`);
  } finally {
    await app.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
