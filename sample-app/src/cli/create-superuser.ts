import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { UserManager, UsersAuthError, type UserProtocol } from '@nest-users/core';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../app.module.js';

const USAGE = 'usage: npm run create-superuser -- --email <email> --password <password>   (DATABASE_URL as for npm start)';

/**
 * Creates the first superuser (or promotes an existing user) through the app's own UserManager, so the password
 * policy, hashing and hooks are exactly those of the running app.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({ options: { email: { type: 'string' }, password: { type: 'string' } } });
  if (!values.email || !values.password) throw new Error(USAGE);
  // The app itself, configured from the same environment as `npm start`; only the user table is touched.
  const app = await NestFactory.createApplicationContext(AppModule, { logger: ['error'], abortOnError: false });
  try {
    const users = app.get<UserManager<UserProtocol<string>, string>>(UserManager);
    const flags = { isSuperuser: true, isVerified: true, isActive: true };
    const existing = await users.getByEmail(values.email).catch(() => null);
    const user = existing
      ? await users.update(existing, { ...flags, password: values.password }, { safe: false })
      : await users.create({ email: values.email, password: values.password, ...flags }, { safe: false });
    console.log(`${existing ? 'Promoted' : 'Created'} superuser ${user.email} (${user.id}).`);
  } finally {
    await app.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof UsersAuthError || (error instanceof Error && error.message === USAGE) ? error.message : error);
  process.exitCode = 1;
});
