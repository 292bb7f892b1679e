import { HttpException } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { InvalidEmailError } from '../errors/user.errors.js';
import { mapUserWriteError, REGISTER_ERRORS, UPDATE_ERRORS } from './error-mapping.js';

describe('mapUserWriteError', () => {
  // Reached when an app's own DTO validates emails more loosely than @IsUserEmail() and the adapter refuses one.
  it.each([REGISTER_ERRORS, UPDATE_ERRORS])(
    'answers an email without a canonical form with the 422 validation shape',
    (codes) => {
      const mapped = mapUserWriteError(new InvalidEmailError(), codes) as HttpException;
      expect(mapped).toBeInstanceOf(HttpException);
      expect(mapped.getStatus()).toBe(422);
      expect(mapped.getResponse()).toEqual({
        statusCode: 422,
        detail: [{ loc: ['body', 'email'], msg: expect.any(String), type: 'isUserEmail' }],
      });
    },
  );
});
