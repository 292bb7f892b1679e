import { UnprocessableEntityException, type HttpException } from '@nestjs/common';
import { ErrorCode } from '../errors/error-code.enum.js';
import { InvalidEmailError, InvalidPasswordError, UserAlreadyExistsError } from '../errors/user.errors.js';
import { badRequest } from './http-errors.js';

/**
 * Turns the domain errors of a create or update into fastapi-users' 400 answers, and an email without a canonical
 * form (an app DTO that validates with a looser rule than `@IsUserEmail()`) into the 422 validation answer.
 * Anything else goes through.
 */
export function mapUserWriteError(
  error: unknown,
  codes: { exists: ErrorCode; invalidPassword: ErrorCode },
): HttpException | unknown {
  if (error instanceof UserAlreadyExistsError) return badRequest(codes.exists);
  if (error instanceof InvalidPasswordError) return badRequest({ code: codes.invalidPassword, reason: error.reason });
  if (error instanceof InvalidEmailError) {
    return new UnprocessableEntityException({
      statusCode: 422,
      detail: [{ loc: ['body', 'email'], msg: error.message, type: 'isUserEmail' }],
    });
  }
  return error;
}

export const REGISTER_ERRORS = {
  exists: ErrorCode.REGISTER_USER_ALREADY_EXISTS,
  invalidPassword: ErrorCode.REGISTER_INVALID_PASSWORD,
};

export const UPDATE_ERRORS = {
  exists: ErrorCode.UPDATE_USER_EMAIL_ALREADY_EXISTS,
  invalidPassword: ErrorCode.UPDATE_USER_INVALID_PASSWORD,
};
