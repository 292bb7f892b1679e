import type { HttpServer } from '@nestjs/common';
import type { TransportResponse } from '../transport/transport.interface.js';

/**
 * Hands a transport's answer to Nest's pipeline (the handler takes `@Res({ passthrough: true })`): the headers are
 * set through the adapter and the body is returned, so interceptors (logging, metrics, serialization) see it and
 * Nest sends it, on Express and Fastify alike. The status is the route's own (`@HttpCode`), which the auth
 * controller takes from the transport's `loginOpenApi.status`.
 */
export function passTransportResponse(http: HttpServer, response: unknown, answer: TransportResponse): unknown {
  for (const [name, value] of Object.entries(answer.headers ?? {})) {
    // Both adapters pass arrays through (several Set-Cookie headers); Nest's typing only says string.
    http.setHeader(response, name, value as string);
  }
  return answer.body;
}
