import { Inject, Injectable } from '@nestjs/common';
import type { SerializeOptions } from 'cookie';
import type { AuthenticationBackend } from '../backend/authentication-backend.js';
import { assertKnownKeys, UsersAuthConfigurationError } from '../errors/configuration.errors.js';
import type { ResolvedUsersAuthOptions } from '../interfaces/users-auth-module-options.interface.js';
import { AUTH_BACKENDS, USERS_AUTH_OPTIONS } from '../users-auth.constants.js';
import type { OAuthClient } from './oauth-client.interface.js';
import type { OAuthProviderOptions } from './oauth-options.interface.js';
import { createOAuthStateTokens, type OAuthStateTokens } from './oauth-state.js';
import { OAuthTokenCipher } from './oauth-token.cipher.js';

/** One `oauth` entry, checked and resolved. */
export interface ResolvedOAuthProvider {
  name: string;
  client: OAuthClient;
  backend: AuthenticationBackend;
  redirectUrl: string;
  associateRedirectUrl: string | undefined;
  associateByEmail: boolean;
  isVerifiedByDefault: boolean;
}

const PROVIDER_KEYS: ReadonlyArray<keyof OAuthProviderOptions> = [
  'client',
  'name',
  'backend',
  'redirectUrl',
  'associateRedirectUrl',
  'associateByEmail',
  'isVerifiedByDefault',
];
const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/;

/** Names of the providers of a `forRoot` call (the routes are built from them). */
export function oauthNamesOf(entries: OAuthProviderOptions[] | undefined): string[] {
  return (entries ?? []).map((entry, index) => entry?.name ?? entry?.client?.defaultName ?? `#${index}`);
}

/** The providers of the `oauth` option, the state tokens and the binding cookie's settings, checked at startup. */
@Injectable()
export class OAuthProviders {
  readonly state!: OAuthStateTokens;
  readonly cookieName!: string;
  readonly cookieAttributes!: SerializeOptions;
  private readonly byName = new Map<string, ResolvedOAuthProvider>();

  constructor(
    @Inject(USERS_AUTH_OPTIONS) options: ResolvedUsersAuthOptions,
    @Inject(AUTH_BACKENDS) backends: AuthenticationBackend[],
  ) {
    const entries = options.oauth ?? [];
    entries.forEach((entry, index) => {
      const provider = resolveProvider(entry, index, backends);
      if (this.byName.has(provider.name)) {
        throw new UsersAuthConfigurationError(
          `oauth: two providers are named "${provider.name}"; give each a distinct \`name\`.`,
        );
      }
      this.byName.set(provider.name, provider);
    });
    const names = [...this.byName.keys()];
    if (names.join('\n') !== options.oauthNames.join('\n')) {
      // Also catches an async factory returning `oauth` without `oauthNames`: its routes would be missing.
      throw new UsersAuthConfigurationError(
        `UsersAuthModule.forRootAsync: the factory returned oauth providers [${names.join(', ')}] but \`oauthNames\` ` +
          `declares [${options.oauthNames.join(', ')}]. List the same names, in the same order.`,
      );
    }
    if (names.length === 0) return;
    this.state = createOAuthStateTokens(options.oauthState, backends);
    // The manager encrypts with these keys; a bad one must fail here, not at the first login.
    if (options.oauthTokenKeys?.length) new OAuthTokenCipher(options.oauthTokenKeys);
    const secure = options.oauthState?.cookieSecure ?? true;
    this.cookieName = options.oauthState?.cookieName ?? (secure ? '__Host-nest-users-oauth' : 'nest-users-oauth');
    if (/^__(Host|Secure)-/i.test(this.cookieName) && !secure) {
      // Browsers drop a `__Host-`/`__Secure-` cookie without Secure: every callback would fail OAUTH_INVALID_STATE.
      throw new UsersAuthConfigurationError(`oauthState: the cookie name ${this.cookieName} needs cookieSecure: true.`);
    }
    this.cookieAttributes = { path: '/', secure, httpOnly: true, sameSite: 'lax' };
  }

  /** The provider of a route, by name. */
  get(name: string): ResolvedOAuthProvider {
    const provider = this.byName.get(name);
    if (!provider) throw new Error(`No OAuth provider named "${name}".`);
    return provider;
  }
}

function resolveProvider(entry: OAuthProviderOptions, index: number, backends: AuthenticationBackend[]): ResolvedOAuthProvider {
  const where = `oauth[${index}]`;
  if (typeof entry !== 'object' || entry === null) throw new UsersAuthConfigurationError(`${where} must be an object.`);
  assertKnownKeys(entry, PROVIDER_KEYS, where);
  const { client } = entry;
  if (typeof client?.authorizationUrl !== 'function' || typeof client?.callback !== 'function') {
    throw new UsersAuthConfigurationError(
      `${where}.client must be an OAuth client (e.g. new OidcClient({ issuer, clientId, clientSecret })).`,
    );
  }
  const name = entry.name ?? client.defaultName;
  if (typeof name !== 'string' || !NAME.test(name) || name === 'associate') {
    throw new UsersAuthConfigurationError(
      `${where}: give a \`name\` of letters, digits, "-" and "_" (it becomes the route /auth/<name>/authorize; "associate" is taken).`,
    );
  }
  const backend = backends.find((candidate) => candidate.name === entry.backend);
  if (!backend) {
    throw new UsersAuthConfigurationError(
      `${where} ("${name}"): backend "${String(entry.backend)}" does not exist; this module has [${backends.map((b) => b.name).join(', ')}].`,
    );
  }
  checkRedirectUrl(entry.redirectUrl, `${where}.redirectUrl`);
  if (entry.associateRedirectUrl !== undefined) checkRedirectUrl(entry.associateRedirectUrl, `${where}.associateRedirectUrl`);
  return {
    name,
    client,
    backend,
    redirectUrl: entry.redirectUrl,
    associateRedirectUrl: entry.associateRedirectUrl,
    associateByEmail: entry.associateByEmail === true,
    isVerifiedByDefault: entry.isVerifiedByDefault === true,
  };
}

function checkRedirectUrl(value: unknown, where: string): void {
  let url: URL | undefined;
  try {
    url = typeof value === 'string' ? new URL(value) : undefined;
  } catch {
    url = undefined;
  }
  if (!url || !['http:', 'https:'].includes(url.protocol) || url.search !== '' || url.hash !== '') {
    throw new UsersAuthConfigurationError(
      `${where} must be the absolute callback URL registered with the provider, without query or fragment ` +
        '(e.g. https://app.example.com/auth/google/callback).',
    );
  }
}
