import type { SecuritySchemeObject } from '@nestjs/swagger';

/** The HTTP answer a transport gives to a login or logout; controllers write it on any platform. */
export interface TransportResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** The request surface a transport reads: both Express and Fastify requests have it. */
export interface TokenCarrier {
  headers: Record<string, string | string[] | undefined>;
}

/**
 * How a token travels between client and server (fastapi-users' Transport). A transport never decides what a token
 * means: that is the strategy's job.
 * @publicApi
 */
export interface Transport {
  /** The token this request carries for this transport, or `undefined`. Never reads the query string or body. */
  extractToken(request: TokenCarrier): string | undefined;
  loginResponse(token: string): TransportResponse;
  /** @throws TransportLogoutNotSupportedError when logging out is meaningless for this transport. */
  logoutResponse(): TransportResponse;
  /** The OpenAPI security scheme of a backend using this transport; `tokenUrl` is its real login path. */
  securityScheme(tokenUrl: string): SecuritySchemeObject;
  /** The OpenAPI description of a successful login. */
  readonly loginOpenApi: { status: number; description: string; schema?: Record<string, unknown> };
}
