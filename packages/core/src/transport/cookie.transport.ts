import { parse, serialize, type SerializeOptions } from 'cookie';
import type { IssuedRefreshToken, TokenCarrier, Transport, TransportResponse } from './transport.interface.js';

/** @publicApi */
export interface CookieTransportOptions {
  /**
   * Name of the access cookie; the refresh cookie is `<name>-refresh`. Both get a name prefix (see `cookieNamePrefix`).
   * @default 'nest-users-auth' (sent as `__Host-nest-users-auth`)
   */
  cookieName?: string;
  /**
   * Prefix the cookie names as browsers enforce (RFC 6265bis §4.1.3): `__Host-` when the cookie is `Secure` with no
   * `Domain` and `Path=/` (only this host, over HTTPS, can set it: a sibling subdomain cannot plant one), `__Secure-`
   * when it is `Secure` otherwise, none when it is not `Secure`. A name that already has a prefix is kept.
   * @default true
   */
  cookieNamePrefix?: boolean;
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
  /**
   * Refuse state-changing requests from other sites: `Sec-Fetch-Site` decides when present, else the `Origin`, else
   * the origin of the `Referer` must be this app's (or a trusted origin). @default true
   */
  csrfProtection?: boolean;
  /**
   * Accept state-changing requests that carry none of `Sec-Fetch-Site`, `Origin` and `Referer`. Every current browser
   * sends `Origin` on them, so only non-browser clients (and very old browsers) do not; OWASP recommends refusing
   * them. Turn on only for non-browser clients that must use cookies; they should rather use a bearer backend.
   * @default false
   */
  csrfAllowMissingOrigin?: boolean;
  /** Other origins allowed to send state-changing requests, e.g. `['https://app.example.com']`. @default [] */
  trustedOrigins?: string[];
}

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const PREFIXED = /^__(Host|Secure)-/i;

function header(request: TokenCarrier, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * Whether a request may change state, so a cross-site one must be refused: unsafe methods, and a WebSocket upgrade
 * (a GET that opens a channel for messages, subscriptions and mutations: cross-site WebSocket hijacking), whatever
 * context hands it over (a gateway, a GraphQL context that passes the upgrade request as `req`).
 */
function changesState(request: TokenCarrier): boolean {
  if (UNSAFE_METHODS.has((request.method ?? 'GET').toUpperCase())) return true;
  return /(^|,)\s*websocket\s*(,|$)/i.test(header(request, 'upgrade') ?? '');
}

/** The origin a `Referer` names; an unparsable one is foreign (`'null'`). */
function originOf(referer: string): string {
  try {
    return new URL(referer).origin;
  } catch {
    return 'null';
  }
}

/** How many cookies of a `Cookie` header are named `name`: case-sensitive, whitespace around a name is not part of it. */
function countCookies(raw: string, name: string): number {
  let count = 0;
  for (const pair of raw.split(';')) {
    const equals = pair.indexOf('=');
    if (equals >= 0 && pair.slice(0, equals).trim() === name) count++;
  }
  return count;
}

/**
 * The token in an `HttpOnly`, `Secure`, `SameSite=Lax` cookie named `__Host-…`: login answers 204 with `Set-Cookie`,
 * logout clears it with the same attributes. Reads the `Cookie` header itself, so neither cookie-parser nor
 * @fastify/cookie is needed; a request carrying the cookie twice is not authenticated by it (a planted cookie beside
 * the real one must not choose the account). State-changing requests it authenticates must come from the app's own
 * origin (CSRF protection, on by default).
 * @publicApi
 */
export class CookieTransport implements Transport {
  readonly cookieName: string;
  readonly refreshCookieName: string;
  private readonly attributes: SerializeOptions;
  private readonly csrfProtection: boolean;
  private readonly csrfAllowMissingOrigin: boolean;
  private readonly trustedOrigins: Set<string>;

  readonly loginOpenApi = { status: 204, description: 'Logged in: the cookie is set.' };

  constructor(private readonly options: CookieTransportOptions = {}) {
    this.attributes = {
      path: options.cookiePath ?? '/',
      domain: options.cookieDomain,
      secure: options.cookieSecure ?? true,
      httpOnly: options.cookieHttpOnly ?? true,
      sameSite: options.cookieSameSite ?? 'lax',
    };
    const name = options.cookieName ?? 'nest-users-auth';
    this.cookieName = options.cookieNamePrefix === false || PREFIXED.test(name) ? name : `${this.namePrefix()}${name}`;
    this.refreshCookieName = `${this.cookieName}-refresh`;
    this.csrfProtection = options.csrfProtection ?? true;
    this.csrfAllowMissingOrigin = options.csrfAllowMissingOrigin ?? false;
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
    if (refresh)
      cookies.push(serialize(this.refreshCookieName, refresh.token, { ...this.attributes, maxAge: refresh.lifetimeSeconds }));
    return { status: 204, headers: { 'Set-Cookie': cookies, 'Cache-Control': 'no-store' } };
  }

  logoutResponse(): TransportResponse {
    const cleared = { ...this.attributes, maxAge: 0 };
    return {
      status: 204,
      headers: {
        'Set-Cookie': [serialize(this.cookieName, '', cleared), serialize(this.refreshCookieName, '', cleared)],
        'Cache-Control': 'no-store',
      },
    };
  }

  isTrustedOrigin(request: TokenCarrier): boolean {
    if (!this.csrfProtection || !changesState(request)) return true;
    const origin = header(request, 'origin');
    if (origin !== undefined && this.trustedOrigins.has(origin)) return true;
    const site = header(request, 'sec-fetch-site');
    if (site !== undefined) return site === 'same-origin' || site === 'none';
    // No Fetch Metadata (older browsers, non-browser clients): the Origin, or else the Referer, names the sender.
    const referer = header(request, 'referer');
    const sender = origin ?? (referer === undefined ? undefined : originOf(referer));
    if (sender === undefined) return this.csrfAllowMissingOrigin;
    if (this.trustedOrigins.has(sender)) return true;
    const host = header(request, 'host');
    return host !== undefined && (sender === `https://${host}` || sender === `http://${host}`);
  }

  securityScheme() {
    return {
      type: 'apiKey' as const,
      in: 'cookie',
      name: this.cookieName,
      description: 'Set by the login route of this backend. Swagger UI in a browser cannot set it for you.',
    };
  }

  private namePrefix(): string {
    if (!this.attributes.secure) return '';
    return this.attributes.domain === undefined && this.attributes.path === '/' ? '__Host-' : '__Secure-';
  }

  private readCookie(request: TokenCarrier, name: string): string | undefined {
    const raw = header(request, 'cookie');
    // Twice the same name: one of them was planted (a sibling subdomain, an injected header), and which one the
    // browser put first is no proof of which is genuine.
    if (!raw || countCookies(raw, name) !== 1) return undefined;
    const value = parse(raw)[name];
    return value || undefined;
  }
}
