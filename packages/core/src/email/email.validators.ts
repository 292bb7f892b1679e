import { buildMessage, ValidateBy, type ValidationOptions } from 'class-validator';
import { canonicalEmailOrNull, hasForbiddenEmailCharacter, MAX_EMAIL_INPUT_LENGTH } from './canonical-email.js';

/**
 * An email nest-users can store: one that has a canonical form (see `canonicalEmail`). Use it instead of
 * `@IsEmail()` on the email fields of your own DTOs, so they refuse what the adapters would refuse, with 422.
 * @publicApi
 */
export function IsUserEmail(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isUserEmail',
      validator: {
        validate: (value) => canonicalEmailOrNull(value) !== null,
        defaultMessage: buildMessage(
          (each) => `${each}$property must be an email address without spaces, control or invisible characters or quotes`,
          options,
        ),
      },
    },
    options,
  );
}

/**
 * A value looked up as an email (the login form's `username`): refused with 422 when it holds a character no email
 * may hold, so it never reaches a hook or a log line; any other string simply finds no account (fastapi-users
 * answers `LOGIN_BAD_CREDENTIALS` for those).
 * @publicApi
 */
export function IsEmailLookup(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isEmailLookup',
      validator: {
        validate: (value) =>
          typeof value === 'string' && value.length <= MAX_EMAIL_INPUT_LENGTH && !hasForbiddenEmailCharacter(value),
        defaultMessage: buildMessage(
          (each) => `${each}$property must not contain spaces, control or invisible characters`,
          options,
        ),
      },
    },
    options,
  );
}
