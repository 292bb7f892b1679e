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

/** The fields of a linked provider account a read DTO can show (`OAuthAccountReadDto`): never a token. */
const LINKED_ACCOUNT_FIELDS = ['oauthName', 'accountId', 'accountEmail'] as const;

/** One provider account linked to a user, as `UserManager.listOAuthAccounts` gives it. @publicApi */
export type LinkedOAuthAccount = { [key in (typeof LINKED_ACCOUNT_FIELDS)[number]]: string };

/** The property of a read DTO that lists the user's linked provider accounts (fastapi-users' `oauth_accounts`). */
export const OAUTH_ACCOUNTS_PROPERTY = 'oauthAccounts';

/**
 * How the routes turn a user into the JSON of the read DTO (`dto.read`): only the properties the DTO declares for
 * Swagger (`@ApiProperty()`, `@ApiPropertyOptional()`, or the Swagger CLI plugin) are copied from the user, then
 * class-transformer serializes that DTO instance, so `@Exclude()`, `@Expose()` (renames, getters) and `@Transform()`
 * apply. The answer therefore matches the documented schema, and a column the app adds stays private until its
 * read DTO declares it.
 *
 * With `{ oauth: true }` (a module with OAuth providers), `oauthAccounts` is never copied from the user (a relation
 * loaded on it would carry tokens): it is the `linked` list the route passes, each item holding only what the item
 * type declares of `oauthName`, `accountId` and `accountEmail`.
 */
export function createUserSerializer(
  read: Type<object>,
  { oauth = false }: { oauth?: boolean } = {},
): (user: object, linked?: readonly LinkedOAuthAccount[]) => Record<string, unknown> {
  // A getter or method of the DTO computes its own value: it is not copied over.
  const declared = declaredProperties(read).filter(
    (key) => !SECRET_USER_FIELDS.includes(key) && !(key in read.prototype) && !(oauth && key === OAUTH_ACCOUNTS_PROPERTY),
  );
  const toItem = oauth && declaresOAuthAccounts(read) ? linkedAccountSerializer(read) : undefined;
  return (user, linked) => {
    const source = user as Record<string, unknown>;
    const dto = Object.create(read.prototype as object) as Record<string, unknown>;
    for (const key of declared) if (source[key] !== undefined) dto[key] = source[key];
    if (toItem && linked) dto[OAUTH_ACCOUNTS_PROPERTY] = linked.map(toItem);
    return instanceToPlain(dto) as Record<string, unknown>;
  };
}

/** Whether a read DTO declares `oauthAccounts` (so the routes load the user's linked accounts for it). */
export function declaresOAuthAccounts(read: Type<object>): boolean {
  return declaredProperties(read).includes(OAUTH_ACCOUNTS_PROPERTY);
}

/** Builds an item of the declared `oauthAccounts` type from a linked account: only its declared, token-free fields. */
function linkedAccountSerializer(read: Type<object>): (account: LinkedOAuthAccount) => object {
  const item = declaredItemType(read);
  const fields = item
    ? LINKED_ACCOUNT_FIELDS.filter((key) => declaredProperties(item).includes(key) && !(key in item.prototype))
    : LINKED_ACCOUNT_FIELDS;
  return (account) => {
    const target = (item ? Object.create(item.prototype as object) : {}) as Record<string, unknown>;
    for (const key of fields) target[key] = account[key];
    return target;
  };
}

/** The class of the `oauthAccounts` items as the DTO declares it to Swagger, if it names one. */
function declaredItemType(read: Type<object>): Type<object> | undefined {
  const metadata = Reflect.getMetadata(DECORATORS.API_MODEL_PROPERTIES, read.prototype, OAUTH_ACCOUNTS_PROPERTY) as
    { type?: unknown } | undefined;
  let type = metadata?.type;
  for (let owner: unknown = read; type === undefined && typeof owner === 'function'; owner = Object.getPrototypeOf(owner)) {
    const factory = (owner as unknown as Record<string, unknown>)[SWAGGER_PLUGIN_FACTORY];
    if (Object.hasOwn(owner, SWAGGER_PLUGIN_FACTORY) && typeof factory === 'function') {
      type = (factory() as Record<string, { type?: unknown } | undefined>)[OAUTH_ACCOUNTS_PROPERTY]?.type;
    }
    if (owner === Function.prototype) break;
  }
  // `type: () => [Item]` (lazy, as the Swagger plugin writes it) or `type: [Item]` (stored as `Item`).
  if (typeof type === 'function' && !Object.hasOwn(type, 'prototype')) type = (type as () => unknown)();
  if (Array.isArray(type)) type = type[0];
  return typeof type === 'function' && (type as Type<object>).prototype && type !== Object ? (type as Type<object>) : undefined;
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
