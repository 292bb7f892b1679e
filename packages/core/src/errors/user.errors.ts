import { UsersAuthError } from './users-auth.error.js';

/** @publicApi */
export class UserAlreadyExistsError extends UsersAuthError {
  constructor() {
    super('A user with this email already exists.');
  }
}

/** @publicApi */
export class UserNotExistsError extends UsersAuthError {
  constructor() {
    super('No such user.');
  }
}

/** Raised by `UserManager.parseId` for a value that cannot be a user id. @publicApi */
export class InvalidIdError extends UsersAuthError {
  constructor() {
    super('Not a valid user id.');
  }
}

/** Raised by `UserManager.validatePassword`; `reason` reaches the client. @publicApi */
export class InvalidPasswordError extends UsersAuthError {
  constructor(readonly reason: string) {
    super(`Invalid password: ${reason}`);
  }
}

/** @publicApi */
export class UserInactiveError extends UsersAuthError {
  constructor() {
    super('The user is inactive.');
  }
}

/** @publicApi */
export class UserAlreadyVerifiedError extends UsersAuthError {
  constructor() {
    super('The user is already verified.');
  }
}

/** A verification token that is malformed, expired, of another purpose, or no longer matches the user. @publicApi */
export class InvalidVerifyTokenError extends UsersAuthError {
  constructor() {
    super('Invalid verification token.');
  }
}

/** A reset token that is malformed, expired, of another purpose, or already used. @publicApi */
export class InvalidResetPasswordTokenError extends UsersAuthError {
  constructor() {
    super('Invalid reset password token.');
  }
}

/** Whether a lookup failed because the id or the user does not exist (not because a store is down). */
export function isMissingUser(error: unknown): boolean {
  return error instanceof InvalidIdError || error instanceof UserNotExistsError;
}

/**
 * An email that has no canonical form: control, whitespace or invisible characters, a quoted local part, an invalid
 * domain (see `canonicalEmail`). Request DTOs refuse these with 422 before they reach the manager. @publicApi
 */
export class InvalidEmailError extends UsersAuthError {
  constructor() {
    super('Not an acceptable email address.');
  }
}
