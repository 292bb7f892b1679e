import { STATUS_CODES } from 'node:http';
import { HttpException, Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';

/** What a 400 from the body parser says: the parser's own message quotes the body (a password, say). */
export const MALFORMED_JSON = 'Malformed JSON';

const PARSE_FAILURES = new Set(['entity.parse.failed', 'FST_ERR_CTP_INVALID_JSON_BODY', 'FST_ERR_CTP_EMPTY_JSON_BODY']);

/**
 * A body the platform's parser refused (Express: body-parser's http-errors, which carry a `type`; Fastify: its
 * content-type parser's `FST_ERR_CTP_*` errors) as the contract answers it: `{statusCode, detail}` with the status
 * text, or `Malformed JSON`, and nothing of the parser's message. Anything else: `undefined`.
 */
export function toContractBodyError(error: unknown): HttpException | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { type, code, status, statusCode } = error as Record<string, unknown>;
  const fromBodyParser = typeof type === 'string' && typeof status === 'number';
  const fromFastify = typeof code === 'string' && code.startsWith('FST_ERR_CTP_') && typeof statusCode === 'number';
  const httpStatus = fromBodyParser ? (status as number) : fromFastify ? (statusCode as number) : undefined;
  // A 5xx is a server fault: left to the platform's mapping, which logs it.
  if (httpStatus === undefined || httpStatus < 400 || httpStatus >= 500) return undefined;
  const detail = PARSE_FAILURES.has(String(fromBodyParser ? type : code)) ? MALFORMED_JSON : STATUS_CODES[httpStatus];
  return new HttpException({ statusCode: httpStatus, detail }, httpStatus, { cause: error });
}

const MAPPED = Symbol('nest-users:body-parser-errors');

/**
 * The body parser runs for the whole app, before any route or filter, and Nest turns its errors into exceptions
 * with the adapter's `mapException()`. This extends that method of the app's adapter (once per adapter), so every
 * route, the app's own included, answers refused bodies in the contract's shape, and the app's exception filters
 * still see them as `HttpException`s.
 */
@Injectable()
export class BodyParserErrorsMapping implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    const adapter = this.adapterHost.httpAdapter as (HttpAdapterHost['httpAdapter'] & { [MAPPED]?: true }) | undefined;
    // No adapter: an application context without HTTP.
    if (!adapter || adapter[MAPPED]) return;
    const platformMapping = adapter.mapException.bind(adapter);
    adapter.mapException = (error: unknown) => toContractBodyError(error) ?? platformMapping(error);
    adapter[MAPPED] = true;
  }
}
