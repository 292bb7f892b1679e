import {
  UnprocessableEntityException,
  ValidationPipe,
  type ArgumentMetadata,
  type Type,
  type ValidationError,
} from '@nestjs/common';

/** One failed field, shaped like FastAPI's validation errors (`loc`, `msg`, `type`). */
export interface ValidationIssue {
  loc: string[];
  msg: string;
  type: string;
}

/** Deeper bodies are refused before class-transformer recurses into them (it would overflow the stack). */
const MAX_DEPTH = 32;
/** A longer top-level key is not a field of any DTO: a 422 does not repeat it. */
const MAX_FIELD_NAME = 64;

function issues(errors: ValidationError[], path: string[] = ['body']): ValidationIssue[] {
  return errors.flatMap((error) => {
    const loc = [...path, error.property];
    const own = Object.entries(error.constraints ?? {}).map(([type, msg]) => ({ loc, msg, type }));
    return [...own, ...issues(error.children ?? [], loc)];
  });
}

function invalid(detail: ValidationIssue[]): UnprocessableEntityException {
  return new UnprocessableEntityException({ statusCode: 422, detail });
}

/**
 * The first reason to refuse a body before class-transformer sees it: nesting deeper than MAX_DEPTH (it would
 * overflow the stack), or a string holding U+0000, which PostgreSQL refuses in text (a 500 whose log would quote the
 * statement's parameters) and which no email, password or name needs.
 */
function refusal(body: unknown): ValidationIssue | undefined {
  // Each entry: a value, its depth, and the top-level field it belongs to (the one a 422 names).
  const stack: Array<[unknown, number, string | undefined]> = [[body, 1, undefined]];
  while (stack.length) {
    const [current, depth, field] = stack.pop()!;
    if (typeof current === 'string') {
      if (!current.includes('\0')) continue;
      const loc = field !== undefined && field.length <= MAX_FIELD_NAME ? ['body', field] : ['body'];
      return { loc, msg: `${loc.at(-1)} must not contain a NUL character`, type: 'noNul' };
    }
    if (typeof current !== 'object' || current === null) continue;
    if (depth > MAX_DEPTH) return { loc: ['body'], msg: `body is nested deeper than ${MAX_DEPTH} levels`, type: 'depth' };
    for (const [key, child] of Object.entries(current)) stack.push([child, depth + 1, field ?? key]);
  }
  return undefined;
}

/**
 * The pipe every nest-users route validates with, whatever the app's global pipe does: the body must be one JSON
 * object of bounded depth without NUL characters, unknown fields are stripped (mass assignment), wrong types answer
 * 422 `{detail: [...]}`, and values are never echoed back. Also usable as the app's global pipe
 * (`{ provide: APP_PIPE, useFactory: () => new UsersAuthValidationPipe() }`): the app's own routes then answer in the
 * same shape, and the library's routes see the same rules twice.
 * @publicApi
 */
export class UsersAuthValidationPipe extends ValidationPipe {
  constructor(expectedType?: Type<unknown>) {
    super({
      expectedType,
      whitelist: true,
      forbidUnknownValues: true,
      stopAtFirstError: true,
      transform: true,
      validationError: { target: false, value: false },
      exceptionFactory: (errors) => invalid(issues(errors)),
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body') {
      if (Array.isArray(value)) throw invalid([{ loc: ['body'], msg: 'body must be an object', type: 'object' }]);
      const issue = refusal(value);
      if (issue) throw invalid([issue]);
    }
    return super.transform(value, metadata);
  }
}

/** `expectedType` validates against the app's own DTO when it replaced ours (custom user fields). */
export function createUsersAuthValidationPipe(expectedType?: Type<unknown>): ValidationPipe {
  return new UsersAuthValidationPipe(expectedType);
}
