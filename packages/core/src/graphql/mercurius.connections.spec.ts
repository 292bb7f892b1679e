import { describe, expect, it } from 'vitest';
import type { RouteRequirements } from '../guards/auth-requirements.js';
import type { TokenCarrier } from '../transport/transport.interface.js';
import { mercuriusSubscription } from './mercurius.connections.js';

const requirements: RouteRequirements = { active: true, verified: false, superuser: false, optional: false };

describe('mercuriusSubscription', () => {
  it('refuses a connection it cannot close (onConnect called without its connection), without checking it', async () => {
    const checked: Array<TokenCarrier | undefined> = [];
    const { onConnect } = mercuriusSubscription(async (request) => {
      checked.push(request);
      return { found: undefined, sentToken: false };
    }, requirements);
    expect(await onConnect.call(undefined, { type: 'connection_init', payload: { token: 'a' } })).toBe(false);
    expect(await onConnect.call({ context: {} }, { type: 'connection_init' })).toBe(false);
    expect(checked).toEqual([]);
  });

  it("checks the payload's token over the upgrade headers as they were at connect, as a state change", async () => {
    const checked: Array<TokenCarrier | undefined> = [];
    const closed: number[] = [];
    const request = { headers: { cookie: 'auth=c', origin: 'https://app.example.com' } as Record<string, string> };
    const { onConnect } = mercuriusSubscription(async (carrier) => {
      checked.push(carrier);
      return { failure: 'unauthenticated', sentToken: true };
    }, requirements);
    const connection = { socket: { close: (code: number) => closed.push(code), once: () => undefined }, context: { request } };
    expect(await onConnect.call(connection, { type: 'connection_init', payload: { token: 'abc' } })).toBe(false);
    expect(checked).toEqual([
      { method: 'POST', headers: { cookie: 'auth=c', origin: 'https://app.example.com', authorization: 'Bearer abc' } },
    ]);
    expect(closed).toEqual([4401]);
  });
});
