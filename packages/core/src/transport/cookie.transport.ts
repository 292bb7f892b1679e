import { parse, serialize, type SerializeOptions } from 'cookie';
import type { IssuedRefreshToken, TokenCarrier, Transport, TransportResponse } from './transport.interface.js';

/** @publicApi */
export interface CookieTransportOptions {
  /** Name of the access cookie; the refresh cookie is `<name>-refresh`. @default 'nest-users-auth' */
  cookieName?: string;
  /** `Max-Age` in seconds; without it the cookie ends with the browser session. @default undefined */
  cookieMaxAge?: number;
  /** @default '/' */
  cookiePath?: string;
  /** @default undefined (the exact host) */
  cookieDomain?: string;
  /** Send only over HTTPS (browsers accept it on http://localhost too). @default true */
  cookieSecure?: boolean;
  /** Hide from JavaScript. @default true */
  cookieHttpOnly?: boolean;
  /** @default 'lax' */
  cookieSameSite?: 'lax' | 'strict' | 'none';
  /** Refuse state-changing requests from other sites (checks `Sec-Fetch-Site`, then `Origin`). @default true */
  csrfProtection?: boolean;
  /** Other origins allowed to send state-changing requests, e.g. `['https://app.example.com']`. @default [] */
  trustedOrigins?: string[];
}

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function header(request: TokenCarrier, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * The token in an `HttpOnly`, `Secure`, `SameSite=Lax` cookie: login answers 204 with `Set-Cookie`, logout clears it
 * with the same attributes. Reads the `Cookie` header itself, so neither cookie-parser nor @fastify/cookie is needed.
 * State-changing requests it authenticates must come from the app's own origin (CSRF protection, on by default).
 * @publicApi
 */
export class CookieTransport implements Transport {
  readonly cookieName: string;
  readonly refreshCookieName: string;
  private readonly attributes: SerializeOptions;
  private readonly csrfProtection: boolean;
  private readonly trustedOrigins: Set<string>;

  readonly loginOpenApi = { status: 204, description: 'Logged in: the cookie is set.' };

  constructor(private readonly options: CookieTransportOptions = {}) {
    this.cookieName = options.cookieName ?? 'nest-users-auth';
    this.refreshCookieName = `${this.cookieName}-refresh`;
    this.attributes = {
      path: options.cookiePath ?? '/',
      domain: options.cookieDomain,
      secure: options.cookieSecure ?? true,
      httpOnly: options.cookieHttpOnly ?? true,
      sameSite: options.cookieSameSite ?? 'lax',
    };
    this.csrfProtection = options.csrfProtection ?? true;
    this.trustedOrigins = new Set(options.trustedOrigins ?? []);
  }

  extractToken(request: TokenCarrier): string | undefined {
    return this.readCookie(request, this.cookieName);
  }

  extractRefreshToken(request: TokenCarrier): string | undefined {
    return this.readCookie(request, this.refreshCookieName);
  }

  loginResponse(token: string, refresh?: IssuedRefreshToken): TransportResponse {
    const cookies = [serialize(this.cookieName, token, { ...this.attributes, maxAge: this.options.cookieMaxAge })];
    if (refresh) cookies.push(serialize(this.refreshCookieName, refresh.token, { ...this.attributes, maxAge: refresh.lifetimeSeconds }));
    return { status: 204, headers: { 'Set-Cookie': cookies, 'Cache-Control': 'no-store' } };
  }

  logoutResponse(): TransportResponse {
    const cleared = { ...this.attributes, maxAge: 0 };
    return {
      status: 204,
      headers: { 'Set-Cookie': [serialize(this.cookieName, '', cleared), serialize(this.refreshCookieName, '', cleared)] },
    };
  }

  isTrustedOrigin(request: TokenCarrier): boolean {
    if (!this.csrfProtection || !UNSAFE_METHODS.has((request.method ?? 'GET').toUpperCase())) return true;
    const origin = header(request, 'origin');
    if (origin !== undefined && this.trustedOrigins.has(origin)) return true;
    const site = header(request, 'sec-fetch-site');
    if (site !== undefined) return site === 'same-origin' || site === 'none';
    // No Fetch Metadata (older browsers, non-browser clients): judge by Origin, which browsers send cross-site.
    if (origin === undefined) return true;
    const host = header(request, 'host');
    return host !== undefined && (origin === `https://${host}` || origin === `http://${host}`);
  }

  securityScheme() {
    return {
      type: 'apiKey' as const,
      in: 'cookie',
      name: this.cookieName,
      description: 'Set by the login route of this backend. Swagger UI in a browser cannot set it for you.',
    };
  }

  private readCookie(request: TokenCarrier, name: string): string | undefined {
    const raw = header(request, 'cookie');
    if (!raw) return undefined;
    const value = parse(raw)[name];
    return value || undefined;
  }
}
