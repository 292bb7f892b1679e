import { TransportLogoutNotSupportedError } from '../errors/not-supported.errors.js';
import type { IssuedRefreshToken, TokenCarrier, Transport, TransportResponse } from './transport.interface.js';

/**
 * `Authorization: Bearer <token>` in, OAuth2 token response out — the shape Swagger UI's password flow reads, so its
 * Authorize button never sends `Bearer undefined`.
 * @publicApi
 */
export class BearerTransport implements Transport {
  readonly loginOpenApi = {
    status: 200,
    description: 'Logged in. Send the token as `Authorization: Bearer <access_token>`.',
    schema: {
      type: 'object',
      required: ['access_token', 'token_type'],
      properties: {
        access_token: { type: 'string', example: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9...' },
        token_type: { type: 'string', enum: ['bearer'] },
        refresh_token: { type: 'string', description: 'Only on backends with refresh tokens on.' },
      },
    },
  };

  extractToken(request: TokenCarrier): string | undefined {
    const header = request.headers.authorization;
    if (typeof header !== 'string') return undefined;
    const space = header.indexOf(' ');
    if (space < 0 || header.slice(0, space).toLowerCase() !== 'bearer') return undefined;
    const token = header.slice(space + 1).trim();
    return token && !/\s/.test(token) ? token : undefined;
  }

  extractRefreshToken(_request: TokenCarrier, body: Record<string, unknown>): string | undefined {
    return typeof body.refresh_token === 'string' && body.refresh_token ? body.refresh_token : undefined;
  }

  loginResponse(token: string, refresh?: IssuedRefreshToken): TransportResponse {
    return {
      status: 200,
      body: { access_token: token, token_type: 'bearer', ...(refresh && { refresh_token: refresh.token }) },
      // RFC 6749 §5.1: token responses must not be cached.
      headers: { 'Cache-Control': 'no-store', Pragma: 'no-cache' },
    };
  }

  logoutResponse(): TransportResponse {
    throw new TransportLogoutNotSupportedError();
  }

  /** A header is never attached by a browser on its own, so no cross-site request can carry it. */
  isTrustedOrigin(): boolean {
    return true;
  }

  securityScheme(tokenUrl: string) {
    return {
      type: 'oauth2' as const,
      description: 'Log in with your email as username; the token is then sent as a Bearer header.',
      flows: { password: { tokenUrl, scopes: {} } },
    };
  }
}
