import type { Type } from '@nestjs/common';
import { ApiProperty, DECORATORS } from '@nestjs/swagger';
import { instanceToPlain } from 'class-transformer';
import { SECRET_USER_FIELDS } from './user-json.util.js';

/** A user as the API shows it: never the password hash. @publicApi */
export class UserReadDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'email' })
  email!: string;

  @ApiProperty()
  isActive!: boolean;

  @ApiProperty()
  isSuperuser!: boolean;

  @ApiProperty()
  isVerified!: boolean;
}

/** The static method through which the @nestjs/swagger CLI plugin declares the properties it found. */
const SWAGGER_PLUGIN_FACTORY = '_OPENAPI_METADATA_FACTORY';

/**
 * How the routes turn a user into the JSON of the read DTO (`dto.read`): only the properties the DTO declares for
 * Swagger (`@ApiProperty()`, `@ApiPropertyOptional()`, or the Swagger CLI plugin) are copied from the user, then
 * class-transformer serializes that DTO instance, so `@Exclude()`, `@Expose()` (renames, getters) and `@Transform()`
 * apply. The answer therefore matches the documented schema, and a column the app adds stays private until its
 * read DTO declares it.
 */
export function createUserSerializer(read: Type<object>): (user: object) => Record<string, unknown> {
  // A getter or method of the DTO computes its own value: it is not copied over.
  const declared = declaredProperties(read).filter((key) => !SECRET_USER_FIELDS.includes(key) && !(key in read.prototype));
  return (user) => {
    const source = user as Record<string, unknown>;
    const dto = Object.create(read.prototype as object) as Record<string, unknown>;
    for (const key of declared) if (source[key] !== undefined) dto[key] = source[key];
    return instanceToPlain(dto) as Record<string, unknown>;
  };
}

/** The property names a DTO declares to Swagger, inherited ones included. */
function declaredProperties(dto: Type<object>): string[] {
  const keys = new Set<string>();
  const decorated: unknown = Reflect.getMetadata(DECORATORS.API_MODEL_PROPERTIES_ARRAY, dto.prototype);
  for (const key of Array.isArray(decorated) ? decorated : [])
    if (typeof key === 'string' && key.startsWith(':')) keys.add(key.slice(1));
  for (let type: unknown = dto; typeof type === 'function' && type !== Function.prototype; type = Object.getPrototypeOf(type)) {
    const factory = (type as unknown as Record<string, unknown>)[SWAGGER_PLUGIN_FACTORY];
    if (Object.hasOwn(type, SWAGGER_PLUGIN_FACTORY) && typeof factory === 'function') {
      for (const key of Object.keys(factory() as object)) keys.add(key);
    }
  }
  return [...keys];
}
