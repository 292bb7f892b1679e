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

function depthOf(value: unknown): number {
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length) {
    const [current, depth] = stack.pop()!;
    if (typeof current !== 'object' || current === null) continue;
    deepest = Math.max(deepest, depth);
    if (deepest > MAX_DEPTH) return deepest;
    for (const child of Object.values(current)) stack.push([child, depth + 1]);
  }
  return deepest;
}

/**
 * The pipe every nest-users route validates with, whatever the app's global pipe does: the body must be one JSON
 * object of bounded depth, unknown fields are stripped (mass assignment), wrong types answer 422 `{detail: [...]}`,
 * and values are never echoed back.
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
      if (depthOf(value) > MAX_DEPTH) {
        throw invalid([{ loc: ['body'], msg: `body is nested deeper than ${MAX_DEPTH} levels`, type: 'depth' }]);
      }
    }
    return super.transform(value, metadata);
  }
}

/** `expectedType` validates against the app's own DTO when it replaced ours (custom user fields). */
export function createUsersAuthValidationPipe(expectedType?: Type<unknown>): ValidationPipe {
  return new UsersAuthValidationPipe(expectedType);
}
