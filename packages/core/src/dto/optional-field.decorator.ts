import { ValidateIf, type ValidationOptions } from 'class-validator';

/**
 * Like class-validator's `@IsOptional()`, except that only an absent field skips the other rules: `null` is validated
 * like any value, so `@IsString()` answers it with 422. For fields where `null` means nothing (an email, a password,
 * a flag); keep `@IsOptional()` where `null` is a value the app stores (a nullable column it lets users clear).
 * @publicApi
 */
export function IsOptionalNotNull(options?: ValidationOptions): PropertyDecorator {
  return ValidateIf((_object: object, value: unknown) => value !== undefined, options);
}
