import { Body, Controller, Header, HttpCode, Inject, Post, Req, UseGuards, UseFilters, type Type } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '../decorators/public.decorator.js';
import { EmailDto, ResetPasswordDto } from '../dto/token.dto.js';
import { ErrorCode } from '../errors/error-code.enum.js';
import { InvalidPasswordError, InvalidResetPasswordTokenError } from '../errors/user.errors.js';
import { AcceptsMediaTypes } from '../http/content-type.guard.js';
import { badRequest, NO_STORE } from '../http/http-errors.js';
import { StoreUnavailableFilter } from '../http/store-unavailable.filter.js';
import { createUsersAuthValidationPipe } from '../http/validation.pipe.js';
import type { UserProtocol } from '../interfaces/user.interface.js';
import type { UsersAuthSettings } from '../interfaces/users-auth-module-options.interface.js';
import { BackgroundTasks } from '../manager/background-tasks.js';
import { UserManager } from '../manager/user-manager.js';
import { RateLimited } from '../rate-limit/rate-limited.decorator.js';
import { ApiErrorCodes } from '../swagger/error-responses.js';

/** `POST /<resetPasswordPath>/forgot-password` and `/reset-password` (fastapi-users' reset router). */
export function createResetPasswordController({ routes }: UsersAuthSettings): Type<unknown> {
  @ApiTags('auth')
  @Public()
  @UseGuards(AcceptsMediaTypes('json'))
  @UseFilters(StoreUnavailableFilter)
  @Controller(routes.resetPasswordPath)
  class ResetPasswordController {
    constructor(
      @Inject(UserManager) private readonly users: UserManager<UserProtocol<unknown>, unknown>,
      private readonly background: BackgroundTasks,
    ) {}

    @Post('forgot-password')
    @HttpCode(202)
    @RateLimited('forgotPassword')
    @ApiOperation({ operationId: 'reset:forgot_password', summary: 'Send a reset-password token' })
    @ApiBody({ type: EmailDto })
    @ApiAcceptedResponse({ description: 'Always, whether or not the email belongs to an account.' })
    @ApiErrorCodes([])
    forgotPassword(@Body(createUsersAuthValidationPipe()) { email }: EmailDto, @Req() request: unknown): void {
      // Answered before any lookup or hook: same answer, same timing, for known and unknown emails. No body (not
      // `null`, which Fastify would send as JSON): the same empty 202 on both platforms.
      this.background.run('forgot-password', () => this.users.forgotPassword(email, { request }));
    }

    @Post('reset-password')
    @HttpCode(200)
    @RateLimited('resetPassword')
    @Header('Cache-Control', NO_STORE)
    @ApiOperation({ operationId: 'reset:reset_password', summary: 'Set a new password with a reset token' })
    @ApiBody({ type: ResetPasswordDto })
    @ApiOkResponse({ description: 'The password was changed; other sessions are ended.' })
    @ApiErrorCodes([
      ErrorCode.RESET_PASSWORD_BAD_TOKEN,
      { code: ErrorCode.RESET_PASSWORD_INVALID_PASSWORD, reason: 'Password should be at least 8 characters' },
    ])
    async resetPassword(@Body(createUsersAuthValidationPipe()) body: ResetPasswordDto, @Req() request: unknown): Promise<void> {
      try {
        await this.users.resetPassword(body.token, body.password, { request });
      } catch (error) {
        if (error instanceof InvalidResetPasswordTokenError) throw badRequest(ErrorCode.RESET_PASSWORD_BAD_TOKEN);
        if (error instanceof InvalidPasswordError) {
          throw badRequest({ code: ErrorCode.RESET_PASSWORD_INVALID_PASSWORD, reason: error.reason });
        }
        throw error;
      }
    }
  }
  return ResetPasswordController;
}
