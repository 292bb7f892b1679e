import { describe, expect, it } from 'vitest';
import { CookieTransport, type CookieTransportOptions } from './cookie.transport.js';

const nameOf = (options: CookieTransportOptions) => new CookieTransport(options).cookieName;

describe('CookieTransport names', () => {
  it.each<[string, CookieTransportOptions, string]>([
    ['defaults: Secure, no Domain, Path=/', {}, '__Host-nest-users-auth'],
    ['an own name', { cookieName: 'auth' }, '__Host-auth'],
    [
      'a Domain: __Host- is impossible, __Secure- still binds it to HTTPS',
      { cookieDomain: 'example.com' },
      '__Secure-nest-users-auth',
    ],
    ['a Path other than /', { cookiePath: '/api' }, '__Secure-nest-users-auth'],
    ['not Secure: no prefix a browser would accept', { cookieSecure: false }, 'nest-users-auth'],
    ['a name that has a prefix already', { cookieName: '__Secure-auth' }, '__Secure-auth'],
    ['the prefix turned off', { cookieNamePrefix: false }, 'nest-users-auth'],
  ])('%s → %s', (_, options, expected) => {
    expect(nameOf(options)).toBe(expected);
  });

  it('names the refresh cookie after the access cookie, and sets and clears both under those names', () => {
    const transport = new CookieTransport();
    expect(transport.refreshCookieName).toBe('__Host-nest-users-auth-refresh');
    const login = transport.loginResponse('t', { token: 'r', lifetimeSeconds: 60 }).headers!['Set-Cookie'] as string[];
    expect(login.map((cookie) => cookie.split('=')[0])).toEqual(['__Host-nest-users-auth', '__Host-nest-users-auth-refresh']);
    expect(login[0]).not.toMatch(/Domain=/i);
    expect(transport.logoutResponse().headers).toMatchObject({ 'Cache-Control': 'no-store' });
  });
});

describe('CookieTransport CSRF check without Fetch Metadata', () => {
  const post = (headers: Record<string, string>) => ({ method: 'POST', headers: { host: 'app.test', ...headers } });

  it('refuses a request with none of Sec-Fetch-Site, Origin and Referer, unless told to accept it', () => {
    expect(new CookieTransport().isTrustedOrigin(post({}))).toBe(false);
    expect(new CookieTransport({ csrfAllowMissingOrigin: true }).isTrustedOrigin(post({}))).toBe(true);
    expect(new CookieTransport({ csrfProtection: false }).isTrustedOrigin(post({}))).toBe(true);
  });

  it('judges by the Referer when Origin is absent', () => {
    const transport = new CookieTransport({ trustedOrigins: ['https://front.example'] });
    expect(transport.isTrustedOrigin(post({ referer: 'https://app.test/page' }))).toBe(true);
    expect(transport.isTrustedOrigin(post({ referer: 'https://front.example/a?b' }))).toBe(true);
    expect(transport.isTrustedOrigin(post({ referer: 'https://evil.example/' }))).toBe(false);
    expect(transport.isTrustedOrigin(post({ referer: 'https://app.test.evil.example/' }))).toBe(false);
    expect(transport.isTrustedOrigin(post({ referer: '::' }))).toBe(false);
  });

  it('never checks safe methods', () => {
    expect(new CookieTransport().isTrustedOrigin({ method: 'GET', headers: {} })).toBe(true);
  });

  it('checks a WebSocket upgrade as a state-changing request, whatever context hands it over', () => {
    const transport = new CookieTransport();
    const upgrade = (headers: Record<string, string>) => ({
      method: 'GET',
      headers: {
        host: 'app.test',
        upgrade: 'websocket',
        connection: 'Upgrade',
        cookie: '__Host-nest-users-auth=abc',
        ...headers,
      },
    });
    expect(transport.isTrustedOrigin(upgrade({ origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' }))).toBe(false);
    expect(transport.isTrustedOrigin(upgrade({ origin: 'https://evil.example' }))).toBe(false);
    expect(transport.isTrustedOrigin(upgrade({ upgrade: 'WebSocket', origin: 'https://evil.example' }))).toBe(false);
    expect(transport.isTrustedOrigin(upgrade({}))).toBe(false);
    expect(transport.isTrustedOrigin(upgrade({ origin: 'https://app.test' }))).toBe(true);
    expect(transport.isTrustedOrigin(upgrade({ 'sec-fetch-site': 'same-origin' }))).toBe(true);
  });
});
