import { applyDecorators } from '@nestjs/common';
import { ApiBadRequestResponse, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import { ErrorDto } from '../dto/error.dto.js';
import type { ErrorCode } from '../errors/error-code.enum.js';

/** Documents the 400 codes a route can answer (one example each), if any, and its 422 validation answer. */
export function ApiErrorCodes(codes: Array<ErrorCode | { code: ErrorCode; reason: string }>) {
  const examples = Object.fromEntries(
    codes.map((detail) => {
      const name = typeof detail === 'string' ? detail : detail.code;
      return [name, { summary: name, value: { statusCode: 400, detail } }];
    }),
  );
  const invalid = ApiUnprocessableEntityResponse({
    description: 'Malformed request; `detail` lists the fields.',
    type: ErrorDto,
  });
  if (!codes.length) return invalid;
  return applyDecorators(
    ApiBadRequestResponse({ description: 'Refused; `detail` says why.', type: ErrorDto, examples }),
    invalid,
  );
}
