import type { TokenCarrier } from '../../transport/transport.interface.js';

/**
 * The credentials of a WebSocket connection as the transports read them: the upgrade request's headers (its cookie,
 * `Origin`, `Host`, `Sec-Fetch-Site`), with `Authorization` taken from the connection payload when it carries one
 * (`graphql-ws` `connectionParams`, socket.io `auth`): `{ authorization: 'Bearer <token>' }` or `{ token: '<token>' }`.
 * Never the query string: URLs end up in logs.
 *
 * The handshake is judged as a state-changing request (`method: 'POST'`): a browser attaches cookies to a cross-site
 * WebSocket too, so a cookie transport checks its origin exactly as for an unsafe HTTP request (cross-site WebSocket
 * hijacking).
 */
export function subscriptionCarrier(upgrade: TokenCarrier | undefined, payload: unknown): TokenCarrier {
  const headers: TokenCarrier['headers'] = { ...upgrade?.headers };
  const authorization = payloadAuthorization(payload);
  if (authorization !== undefined) headers.authorization = authorization;
  return { headers, method: 'POST' };
}

function payloadAuthorization(payload: unknown): string | undefined {
  if (typeof payload !== 'object' || payload === null) return undefined;
  const record = payload as Record<string, unknown>;
  const header = record.authorization ?? record.Authorization;
  if (typeof header === 'string') return header;
  return typeof record.token === 'string' && record.token ? `Bearer ${record.token}` : undefined;
}
