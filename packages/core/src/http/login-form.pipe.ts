import type { ArgumentMetadata, ValidationPipe } from '@nestjs/common';
import { LOGIN_FIELD_MAX_LENGTHS, LoginDto } from '../dto/login.dto.js';
import { hasForbiddenEmailCharacter } from '../email/canonical-email.js';
import { UsersAuthValidationPipe } from './validation.pipe.js';

type LoginField = keyof typeof LOGIN_FIELD_MAX_LENGTHS;
const REQUIRED: ReadonlySet<string> = new Set<LoginField>(['username', 'password']);

/**
 * The login route's pipe. A form that is plainly valid (only known fields, all strings, required ones non-empty,
 * none longer than its limit in UTF-16 units, which is never less than the code points class-validator counts, no
 * character an email may not hold in `username`)
 * becomes a `LoginDto` directly: class-transformer and class-validator cost a login about as much as its SQL read.
 * Anything else, including every invalid form, goes through the full validation pipe, which alone words the 422.
 */
class LoginFormPipe extends UsersAuthValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' && isPlainlyValidLogin(value)) return Object.assign(new LoginDto(), value);
    return super.transform(value, metadata);
  }
}

function isPlainlyValidLogin(value: unknown): value is Partial<Record<LoginField, string>> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  if (prototype !== Object.prototype && prototype !== null) return false;
  for (const field of REQUIRED) if (!Object.hasOwn(value, field)) return false;
  for (const key of Reflect.ownKeys(value)) {
    if (typeof key !== 'string' || !Object.hasOwn(LOGIN_FIELD_MAX_LENGTHS, key)) return false;
    const field = (value as Record<string, unknown>)[key];
    if (typeof field !== 'string' || field.length > LOGIN_FIELD_MAX_LENGTHS[key as LoginField]) return false;
    if (field === '' && REQUIRED.has(key)) return false;
    if (key === 'username' && hasForbiddenEmailCharacter(field)) return false;
  }
  return true;
}

/** The body pipe of `POST /auth/<backend>/login`. */
export function createLoginFormPipe(): ValidationPipe {
  return new LoginFormPipe();
}
