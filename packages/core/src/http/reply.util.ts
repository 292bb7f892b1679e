import type { HttpServer } from '@nestjs/common';
import type { TransportResponse } from '../transport/transport.interface.js';

/** Writes a transport's answer on Express or Fastify alike. */
export function sendTransportResponse(http: HttpServer, response: unknown, answer: TransportResponse): unknown {
  for (const [name, value] of Object.entries(answer.headers ?? {})) {
    // Both adapters pass arrays through (several Set-Cookie headers); Nest's typing only says string.
    http.setHeader(response, name, value as string);
  }
  return http.reply(response, answer.body, answer.status);
}
