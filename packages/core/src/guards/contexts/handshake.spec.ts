import { describe, expect, it } from 'vitest';
import { BearerTransport } from '../../transport/bearer.transport.js';
import { CookieTransport } from '../../transport/cookie.transport.js';
import { graphqlRequest } from './graphql.context.js';
import { subscriptionCarrier } from './handshake.js';

const upgrade = { headers: { host: 'app.test', cookie: '__Host-nest-users-auth=c00kie', origin: 'https://app.test' } };

describe('subscriptionCarrier', () => {
  const bearer = new BearerTransport();

  it.each([
    ['authorization', { authorization: 'Bearer t0ken' }],
    ['Authorization', { Authorization: 'Bearer t0ken' }],
    ['a bare token', { token: 't0ken' }],
  ])('reads the payload’s %s as the bearer token', (_label, payload) => {
    expect(bearer.extractToken(subscriptionCarrier(upgrade, payload))).toBe('t0ken');
  });

  it.each([
    ['no payload', undefined],
    ['a string payload', 'Bearer t0ken'],
    ['an empty token', { token: '' }],
    ['a token that is no string', { token: ['t0ken'] }],
    ['a query-string-like field', { access_token: 't0ken', query: 'token=t0ken' }],
  ])('reads no bearer token from %s', (_label, payload) => {
    expect(bearer.extractToken(subscriptionCarrier(upgrade, payload))).toBeUndefined();
  });

  it('keeps the upgrade headers (cookie, origin) and judges the handshake as a state-changing request', () => {
    const carrier = subscriptionCarrier(upgrade, undefined);
    const cookie = new CookieTransport();
    expect(cookie.extractToken(carrier)).toBe('c00kie');
    expect(cookie.isTrustedOrigin(carrier)).toBe(true);
    const foreign = subscriptionCarrier({ headers: { ...upgrade.headers, origin: 'https://evil.example' } }, undefined);
    expect(cookie.isTrustedOrigin(foreign)).toBe(false);
    expect(cookie.isTrustedOrigin(subscriptionCarrier({ headers: { ...upgrade.headers, origin: undefined } }, {}))).toBe(false);
  });

  it('never changes the upgrade request itself', () => {
    const request = { headers: { authorization: 'Bearer a' } };
    subscriptionCarrier(request, { token: 'b' });
    expect(request.headers.authorization).toBe('Bearer a');
  });
});

describe('graphqlRequest', () => {
  const req = { headers: { authorization: 'Bearer x' } };

  it('finds the request of Apollo (req), Mercurius (reply.request) and graphql-ws (connectionParams, extra.request)', () => {
    expect(graphqlRequest({ req })).toBe(req);
    expect(graphqlRequest({ request: req })).toBe(req);
    expect(graphqlRequest({ reply: { request: req } })).toBe(req);
    const subscription = graphqlRequest({ connectionParams: { token: 'y' }, extra: { request: upgrade } });
    expect(subscription?.headers).toMatchObject({ authorization: 'Bearer y', cookie: upgrade.headers.cookie });
  });

  it('finds nothing in a context without a request (no credentials: the guard refuses)', () => {
    expect(graphqlRequest(undefined)).toBeUndefined();
    expect(graphqlRequest({})).toBeUndefined();
  });
});
