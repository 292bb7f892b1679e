import { UnprocessableEntityException, ValidationPipe, type ValidationError } from '@nestjs/common';

/** One failed field, shaped like FastAPI's validation errors (`loc`, `msg`, `type`). */
export interface ValidationIssue {
  loc: string[];
  msg: string;
  type: string;
}

function issues(errors: ValidationError[], path: string[] = ['body']): ValidationIssue[] {
  return errors.flatMap((error) => {
    const loc = [...path, error.property];
    const own = Object.entries(error.constraints ?? {}).map(([type, msg]) => ({ loc, msg, type }));
    return [...own, ...issues(error.children ?? [], loc)];
  });
}

/**
 * The pipe every nest-users route validates with, whatever the app's global pipe does: unknown fields are
 * stripped (mass assignment), wrong types answer 422 `{detail: [...]}`, and values are never echoed back.
 */
export function createUsersAuthValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidUnknownValues: true,
    transform: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => new UnprocessableEntityException({ statusCode: 422, detail: issues(errors) }),
  });
}
