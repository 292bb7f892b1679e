import {
  Controller,
  Get,
  Header,
  HttpCode,
  Inject,
  Logger,
  NotFoundException,
  Req,
  Res,
  UseFilters,
  type Type,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { parse, serialize } from 'cookie';
import { Authenticated } from '../decorators/authenticated.decorator.js';
import { CurrentUser } from '../decorators/current-user.decorator.js';
import { Public } from '../decorators/public.decorator.js';
import { createUserReader } from '../dto/user-reader.js';
import { ErrorCode } from '../errors/error-code.enum.js';
import { UsersAuthConfigurationError } from '../errors/configuration.errors.js';
import { InvalidEmailError, UserAlreadyExistsError } from '../errors/user.errors.js';
import { badRequest, NO_STORE } from '../http/http-errors.js';
import { passTransportResponse } from '../http/reply.util.js';
import { StoreUnavailableFilter } from '../http/store-unavailable.filter.js';
import type { UserProtocol } from '../interfaces/user.interface.js';
import type { ResolvedUsersAuthOptions, UsersAuthSettings } from '../interfaces/users-auth-module-options.interface.js';
import { UserManager } from '../manager/user-manager.js';
import { RateLimited } from '../rate-limit/rate-limited.decorator.js';
import { ApiErrorCodes } from '../swagger/error-responses.js';
import { USERS_AUTH_OPTIONS } from '../users-auth.constants.js';
import type { OAuthProfile } from './oauth-client.interface.js';
import { OAuthAccountAlreadyLinkedError, OAuthProviderError } from './oauth.errors.js';
import { OAuthProviders, type ResolvedOAuthProvider } from './oauth-providers.js';
import type { OAuthFlow } from './oauth-state.js';
import { loadOpenIdClient } from './openid-client.util.js';

type AnyUser = UserProtocol<unknown>;
type HttpRequest = { url?: string; originalUrl?: string; headers: Record<string, string | string[] | undefined> };

const STATE_ERRORS = [ErrorCode.OAUTH_INVALID_STATE, ErrorCode.ACCESS_TOKEN_DECODE_ERROR, ErrorCode.ACCESS_TOKEN_ALREADY_EXPIRED];
const PROVIDER_ERROR = { code: ErrorCode.OAUTH_PROVIDER_ERROR, reason: 'access_denied' };

class AuthorizeResponse {
  authorization_url!: string;
}

/** The part of the request URL after `?`, exactly as sent (Express and Fastify keep it in `url`). */
function rawQuery(request: HttpRequest): string {
  const url = request.originalUrl ?? request.url ?? '';
  const index = url.indexOf('?');
  return index < 0 ? '' : url.slice(index + 1);
}

function header(request: HttpRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' ? value : undefined;
}

/** The shared steps of both flows: issuing the state, checking it with the cookie, and redeeming the code. */
class OAuthFlowSteps {
  constructor(
    private readonly providers: OAuthProviders,
    private readonly http: HttpAdapterHost,
  ) {}

  async authorize(provider: ResolvedOAuthProvider, flow: OAuthFlow, redirectUri: string, response: unknown, userId?: string) {
    const issued = this.providers.state.issue(provider.name, flow, userId);
    const codeChallenge = await codeChallengeOf(issued.codeVerifier);
    let url: URL;
    try {
      url = await provider.client.authorizationUrl({ redirectUri, state: issued.state, codeChallenge, nonce: issued.nonce });
    } catch (error) {
      throw providerError(error);
    }
    const cookie = serialize(this.providers.cookieName, issued.cookieValue, {
      ...this.providers.cookieAttributes,
      maxAge: this.providers.state.lifetime,
    });
    this.http.httpAdapter.setHeader(response, 'Set-Cookie', cookie);
    return { authorization_url: url.toString() };
  }

  /** Expires the binding cookie. */
  clearedCookie(): string {
    return serialize(this.providers.cookieName, '', { ...this.providers.cookieAttributes, maxAge: 0 });
  }

  /** The provider account of a callback, after the state was checked against this browser's cookie. */
  async callback(
    provider: ResolvedOAuthProvider,
    flow: OAuthFlow,
    redirectUri: string,
    request: HttpRequest,
    response: unknown,
  ): Promise<{ profile: OAuthProfile; userId?: string }> {
    const query = new URLSearchParams(rawQuery(request));
    const cookies = parse(header(request, 'cookie') ?? '');
    // The binding is spent whatever happens next: one cookie, one callback.
    this.http.httpAdapter.setHeader(response, 'Set-Cookie', this.clearedCookie());
    const checked = this.providers.state.read(query.get('state'), cookies[this.providers.cookieName], provider.name, flow);
    if (!checked.ok) throw badRequest(ErrorCode[checked.failure]);
    const callbackUrl = new URL(redirectUri);
    callbackUrl.search = query.toString();
    let profile: OAuthProfile;
    try {
      profile = await provider.client.callback({
        callbackUrl,
        state: query.get('state')!,
        codeVerifier: checked.codeVerifier,
        nonce: checked.nonce,
      });
    } catch (error) {
      throw providerError(error);
    }
    if (!profile.email) throw badRequest(ErrorCode.OAUTH_NOT_AVAILABLE_EMAIL);
    return { profile, ...(checked.userId === undefined ? {} : { userId: checked.userId }) };
  }
}

async function codeChallengeOf(verifier: string): Promise<string> {
  return (await loadOpenIdClient()).calculatePKCECodeChallenge(verifier);
}

const logger = new Logger('UsersAuthOAuth');

/**
 * Anything a provider client throws is answered 400 with a reason, never 500. What is not the provider's doing (a
 * missing openid-client, a bug in a custom client) is logged, so it does not hide behind the 400.
 */
function providerError(error: unknown) {
  if (error instanceof OAuthProviderError) return badRequest({ code: ErrorCode.OAUTH_PROVIDER_ERROR, reason: error.reason });
  const detail = error instanceof UsersAuthConfigurationError ? `: ${error.message}` : '';
  logger.error(`An OAuth client threw ${error instanceof Error ? error.name : typeof error}${detail}`);
  return badRequest({ code: ErrorCode.OAUTH_PROVIDER_ERROR, reason: 'invalid_response' });
}

/** `GET <authPath>/<name>/authorize` and `/callback`: log in (or sign up) with one provider. */
export function createOAuthController(name: string, { routes }: UsersAuthSettings): Type<unknown> {
  @ApiTags('auth')
  @Public()
  @UseFilters(StoreUnavailableFilter)
  @Controller(`${routes.authPath}/${name}`)
  class OAuthController {
    private readonly provider: ResolvedOAuthProvider;
    private readonly steps: OAuthFlowSteps;

    constructor(
      @Inject(OAuthProviders) providers: OAuthProviders,
      @Inject(UserManager) private readonly users: UserManager<AnyUser, unknown>,
      @Inject(USERS_AUTH_OPTIONS) private readonly options: ResolvedUsersAuthOptions,
      private readonly http: HttpAdapterHost,
    ) {
      this.provider = providers.get(name);
      this.steps = new OAuthFlowSteps(providers, http);
      // The callback answers as the provider's backend logs in (a bearer token 200, a cookie 204); see AuthController.
      const { status } = this.provider.backend.transport.loginOpenApi;
      const descriptor = Object.getOwnPropertyDescriptor(OAuthController.prototype, 'callback')!;
      HttpCode(status)(OAuthController.prototype, 'callback', descriptor);
    }

    @Get('authorize')
    @RateLimited('oauthAuthorize')
    @Header('Cache-Control', NO_STORE)
    @ApiOperation({
      operationId: `oauth:${name}.authorize`,
      summary: `Start logging in with ${name}`,
      description: 'Answers the URL to send the browser to, and sets the cookie that binds the flow to this browser.',
    })
    @ApiOkResponse({ type: AuthorizeResponse })
    @ApiErrorCodes([PROVIDER_ERROR])
    authorize(@Res({ passthrough: true }) response: unknown) {
      return this.steps.authorize(this.provider, 'login', this.provider.redirectUrl, response);
    }

    @Get('callback')
    @RateLimited('oauthCallback')
    @ApiOperation({
      operationId: `oauth:${name}.callback`,
      summary: `Finish logging in with ${name}`,
      description: `The provider redirects here; answers as the "${name}" provider's backend logs in.`,
    })
    @ApiQuery({ name: 'code', required: false })
    @ApiQuery({ name: 'state', required: false })
    @ApiQuery({ name: 'error', required: false })
    @ApiErrorCodes([
      ...STATE_ERRORS,
      ErrorCode.OAUTH_NOT_AVAILABLE_EMAIL,
      ErrorCode.OAUTH_USER_ALREADY_EXISTS,
      ErrorCode.LOGIN_BAD_CREDENTIALS,
      ErrorCode.LOGIN_USER_NOT_VERIFIED,
      PROVIDER_ERROR,
    ])
    async callback(@Req() request: HttpRequest, @Res({ passthrough: true }) response: unknown): Promise<unknown> {
      const { profile } = await this.steps.callback(this.provider, 'login', this.provider.redirectUrl, request, response);
      let user: AnyUser;
      try {
        user = await this.users.oauthCallback(this.provider.name, profile, {
          associateByEmail: this.provider.associateByEmail,
          isVerifiedByDefault: this.provider.isVerifiedByDefault,
          request,
        });
      } catch (error) {
        if (error instanceof UserAlreadyExistsError || error instanceof OAuthAccountAlreadyLinkedError) {
          throw badRequest(ErrorCode.OAUTH_USER_ALREADY_EXISTS);
        }
        // The provider's address has no canonical form (see canonicalEmail): no usable email.
        if (error instanceof InvalidEmailError) throw badRequest(ErrorCode.OAUTH_NOT_AVAILABLE_EMAIL);
        throw error;
      }
      if (!user.isActive) throw badRequest(ErrorCode.LOGIN_BAD_CREDENTIALS);
      if (this.options.requiresVerification && !user.isVerified) throw badRequest(ErrorCode.LOGIN_USER_NOT_VERIFIED);
      const answer = await this.provider.backend.login(user);
      await this.users.afterWrite('onAfterLogin', () => this.users.onAfterLogin(user, request, answer));
      // A cookie backend sets its own cookies: the expired binding cookie goes with them.
      const headers = { ...answer.headers };
      const cookies = headers['Set-Cookie'];
      if (cookies !== undefined) headers['Set-Cookie'] = [this.steps.clearedCookie(), ...[cookies].flat()];
      return passTransportResponse(this.http.httpAdapter, response, { ...answer, headers });
    }
  }
  Object.defineProperty(OAuthController, 'name', { value: `OAuthController_${name.replace(/\W/g, '_')}` });
  return OAuthController;
}

/** `GET <authPath>/associate/<name>/authorize` and `/callback`: link a provider account to the logged-in user. */
export function createOAuthAssociateController(name: string, settings: UsersAuthSettings): Type<unknown> {
  const { routes } = settings;
  const reader = createUserReader(settings);

  @ApiTags('auth')
  @UseFilters(StoreUnavailableFilter)
  @Controller(`${routes.authPath}/associate/${name}`)
  class OAuthAssociateController {
    private readonly provider: ResolvedOAuthProvider;
    private readonly steps: OAuthFlowSteps;

    constructor(
      @Inject(OAuthProviders) providers: OAuthProviders,
      @Inject(UserManager) private readonly users: UserManager<AnyUser, unknown>,
      http: HttpAdapterHost,
    ) {
      this.provider = providers.get(name);
      this.steps = new OAuthFlowSteps(providers, http);
    }

    private redirectUrl(): string {
      const url = this.provider.associateRedirectUrl;
      if (url === undefined) throw new NotFoundException({ statusCode: 404, detail: 'Not Found' });
      return url;
    }

    @Get('authorize')
    @RateLimited('oauthAuthorize')
    @Header('Cache-Control', NO_STORE)
    @Authenticated()
    @ApiOperation({ operationId: `oauth-associate:${name}.authorize`, summary: `Start linking a ${name} account` })
    @ApiOkResponse({ type: AuthorizeResponse })
    @ApiErrorCodes([PROVIDER_ERROR])
    authorize(@CurrentUser() user: AnyUser, @Res({ passthrough: true }) response: unknown) {
      return this.steps.authorize(this.provider, 'associate', this.redirectUrl(), response, String(user.id));
    }

    @Get('callback')
    @RateLimited('oauthCallback')
    @Header('Cache-Control', NO_STORE)
    @Authenticated()
    @ApiOperation({ operationId: `oauth-associate:${name}.callback`, summary: `Finish linking a ${name} account` })
    @ApiOkResponse({ type: reader.read })
    @ApiErrorCodes([...STATE_ERRORS, ErrorCode.OAUTH_NOT_AVAILABLE_EMAIL, ErrorCode.OAUTH_USER_ALREADY_EXISTS, PROVIDER_ERROR])
    async callback(
      @CurrentUser() user: AnyUser,
      @Req() request: HttpRequest,
      @Res({ passthrough: true }) response: unknown,
    ): Promise<unknown> {
      const { profile, userId } = await this.steps.callback(this.provider, 'associate', this.redirectUrl(), request, response);
      // The flow was started by this very user (GHSA-5j53-63w8-8625: never link to whoever finishes it).
      if (userId !== String(user.id)) throw badRequest(ErrorCode.OAUTH_INVALID_STATE);
      let linked: AnyUser;
      try {
        linked = await this.users.oauthAssociateCallback(user, this.provider.name, profile, { request });
      } catch (error) {
        if (error instanceof OAuthAccountAlreadyLinkedError) throw badRequest(ErrorCode.OAUTH_USER_ALREADY_EXISTS);
        throw error;
      }
      return reader.toJson(this.users, linked);
    }
  }
  Object.defineProperty(OAuthAssociateController, 'name', {
    value: `OAuthAssociateController_${name.replace(/\W/g, '_')}`,
  });
  return OAuthAssociateController;
}
