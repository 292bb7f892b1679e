import { describe, expect, it } from 'vitest';
import { TransportLogoutNotSupportedError } from '../errors/not-supported.errors.js';
import { BearerTransport } from './bearer.transport.js';
import type { TokenCarrier } from './transport.interface.js';

const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';

function setup() {
  const transport = new BearerTransport();
  const extract = (authorization?: string | string[], extra: TokenCarrier['headers'] = {}) =>
    transport.extractToken({ headers: { ...extra, ...(authorization === undefined ? {} : { authorization }) } });
  return { transport, extract };
}

describe('BearerTransport', () => {
  describe('extractToken', () => {
    it.each([
      ['Bearer x', 'x'],
      ['bearer x', 'x'],
      ['BEARER x', 'x'],
      [`Bearer ${JWT}`, JWT],
      [`Bearer ${JWT}  `, JWT],
    ])('reads %j as %j', (header, token) => {
      expect(setup().extract(header)).toBe(token);
    });

    it.each([
      ['no header', undefined],
      ['"Bearer"', 'Bearer'],
      ['"Bearer " and spaces', 'Bearer    '],
      ['an empty header', ''],
      ['Basic with a JWT', `Basic ${JWT}`],
      ['a scheme that only starts with Bearer', `Bearerx ${JWT}`],
      ['a token with a space inside', 'Bearer a b'],
      ['a token with a tab inside', 'Bearer a\tb'],
      ['a bare token', JWT],
      ['a header sent as an array', [`Bearer ${JWT}`]],
      ['two Authorization values', [`Bearer ${JWT}`, 'Bearer other']],
    ])('gives undefined for %s', (_label, header) => {
      expect(setup().extract(header as string | string[] | undefined)).toBeUndefined();
    });

    it('never reads a token from other headers, the query string or the body', () => {
      const { transport } = setup();
      const request = {
        headers: { 'x-access-token': JWT, cookie: `access_token=${JWT}` },
        query: { access_token: JWT, auth_token: JWT },
        body: { access_token: JWT, auth_token: JWT },
      };
      expect(transport.extractToken(request)).toBeUndefined();
    });
  });

  describe('loginResponse', () => {
    it('is an OAuth2 token response that must not be cached', () => {
      const response = setup().transport.loginResponse(JWT);
      expect(response.status).toBe(200);
      expect(response.body).toStrictEqual({ access_token: JWT, token_type: 'bearer' });
      expect(response.headers?.['Cache-Control']).toBe('no-store');
      expect(response.headers?.Pragma).toBe('no-cache');
    });
  });

  describe('logoutResponse', () => {
    it('is not supported (the token lives in the client)', () => {
      expect(() => setup().transport.logoutResponse()).toThrow(TransportLogoutNotSupportedError);
    });
  });

  describe('securityScheme', () => {
    it('is an OAuth2 password flow on the given token URL', () => {
      expect(setup().transport.securityScheme('/api/v1/auth/jwt/login')).toMatchObject({
        type: 'oauth2',
        flows: { password: { tokenUrl: '/api/v1/auth/jwt/login', scopes: {} } },
      });
    });
  });
});
