import { Body, Controller, Header, HttpCode, Inject, Post, Req, UseGuards, UseFilters, type Type } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '../decorators/public.decorator.js';
import { EmailDto, VerifyDto } from '../dto/token.dto.js';
import { createUserReader } from '../dto/user-reader.js';
import { ErrorCode } from '../errors/error-code.enum.js';
import { InvalidVerifyTokenError, UserAlreadyVerifiedError } from '../errors/user.errors.js';
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

/** `POST /<verifyPath>/request-verify-token` and `/verify` (fastapi-users' verify router). */
export function createVerifyController(settings: UsersAuthSettings): Type<unknown> {
  const { routes } = settings;
  const reader = createUserReader(settings);

  @ApiTags('auth')
  @Public()
  @UseGuards(AcceptsMediaTypes('json'))
  @UseFilters(StoreUnavailableFilter)
  @Controller(routes.verifyPath)
  class VerifyController {
    constructor(
      @Inject(UserManager) private readonly users: UserManager<UserProtocol<unknown>, unknown>,
      private readonly background: BackgroundTasks,
    ) {}

    @Post('request-verify-token')
    @HttpCode(202)
    @RateLimited('requestVerifyToken')
    @ApiOperation({ operationId: 'verify:request-token', summary: 'Send a verification token' })
    @ApiBody({ type: EmailDto })
    @ApiAcceptedResponse({ description: 'Always, whether or not the email belongs to an account.' })
    @ApiErrorCodes([])
    requestToken(@Body(createUsersAuthValidationPipe()) { email }: EmailDto, @Req() request: unknown): void {
      // Answered before any lookup: the answer and its timing are the same for every email.
      this.background.run('request-verify-token', async () => {
        const user = await this.users.getByEmail(email).catch(() => null);
        if (user?.isActive && !user.isVerified) await this.users.requestVerify(user, { request });
      });
      // No body (not `null`, which Fastify would send as JSON): the same empty 202 on both platforms.
    }

    @Post('verify')
    @HttpCode(200)
    @RateLimited('verify')
    @Header('Cache-Control', NO_STORE)
    @ApiOperation({ operationId: 'verify:verify', summary: 'Verify an email with its token' })
    @ApiOkResponse({ type: reader.read })
    @ApiErrorCodes([ErrorCode.VERIFY_USER_BAD_TOKEN, ErrorCode.VERIFY_USER_ALREADY_VERIFIED])
    async verify(@Body(createUsersAuthValidationPipe()) { token }: VerifyDto, @Req() request: unknown) {
      let user: UserProtocol<unknown>;
      try {
        user = await this.users.verify(token, { request });
      } catch (error) {
        if (error instanceof InvalidVerifyTokenError) throw badRequest(ErrorCode.VERIFY_USER_BAD_TOKEN);
        if (error instanceof UserAlreadyVerifiedError) throw badRequest(ErrorCode.VERIFY_USER_ALREADY_VERIFIED);
        throw error;
      }
      return reader.toJson(this.users, user);
    }
  }
  return VerifyController;
}
