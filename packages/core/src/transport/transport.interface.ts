import type { SecuritySchemeObject } from '@nestjs/swagger';

/** The HTTP answer a transport gives to a login or logout; controllers write it on any platform. */
export interface TransportResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string | string[]>;
}

/** The request surface a transport reads: both Express and Fastify requests have it. */
export interface TokenCarrier {
  headers: Record<string, string | string[] | undefined>;
  method?: string;
}

/** A refresh token to hand out with an access token. */
export interface IssuedRefreshToken {
  token: string;
  lifetimeSeconds: number;
}

/**
 * How a token travels between client and server (fastapi-users' Transport). A transport never decides what a token
 * means: that is the strategy's job.
 * @publicApi
 */
export interface Transport {
  /** The token this request carries for this transport, or `undefined`. Never reads the query string or body. */
  extractToken(request: TokenCarrier): string | undefined;
  /** The refresh token a refresh request carries (`body` is the parsed form or JSON), or `undefined`. */
  extractRefreshToken(request: TokenCarrier, body: Record<string, unknown>): string | undefined;
  loginResponse(token: string, refresh?: IssuedRefreshToken): TransportResponse;
  /** @throws TransportLogoutNotSupportedError when logging out is meaningless for this transport. */
  logoutResponse(): TransportResponse;
  /**
   * Whether a state-changing request may be trusted to come from the app's own pages. Browsers attach cookies to
   * cross-site requests, so cookie transports check `Sec-Fetch-Site` / `Origin` (CSRF); header transports need not.
   */
  isTrustedOrigin(request: TokenCarrier): boolean;
  /** The OpenAPI security scheme of a backend using this transport; `tokenUrl` is its real login path. */
  securityScheme(tokenUrl: string): SecuritySchemeObject;
  /** The OpenAPI description of a successful login; its `status` is also what login and refresh answer with. */
  readonly loginOpenApi: { status: number; description: string; schema?: Record<string, unknown> };
}
