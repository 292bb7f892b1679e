import { randomBytes } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { UserRepository } from '../db/user-repository.interface.js';
import {
  InvalidIdError,
  InvalidPasswordError,
  InvalidResetPasswordTokenError,
  InvalidVerifyTokenError,
  UserAlreadyExistsError,
  UserAlreadyVerifiedError,
  UserInactiveError,
  UserNotExistsError,
} from '../errors/user.errors.js';
import type { UserCreateData, UserProtocol } from '../interfaces/user.interface.js';
import type { ResolvedUsersAuthOptions } from '../interfaces/users-auth-module-options.interface.js';
import type { UserLookup } from '../strategy/strategy.interface.js';
import type { AuthenticationBackend } from '../backend/authentication-backend.js';
import { AUTH_BACKENDS, MANAGED_USER_REPOSITORY, USERS_AUTH_OPTIONS } from '../users-auth.constants.js';
import { UsersAuthConfigurationError } from '../errors/configuration.errors.js';
import type { OAuthAccount, OAuthAccountUpdate } from '../oauth/oauth-account.interface.js';
import type { OAuthProfile } from '../oauth/oauth-client.interface.js';
import { OAuthAccountAlreadyLinkedError } from '../oauth/oauth.errors.js';
import { OAuthTokenCipher } from '../oauth/oauth-token.cipher.js';
import { PasswordHelper } from './password.helper.js';
import { UserTokens } from './user-tokens.js';

/** Fields a client can never set on itself (register, `PATCH /users/me`). */
export const PROTECTED_USER_FIELDS = ['id', 'isActive', 'isSuperuser', 'isVerified', 'hashedPassword', 'securityStamp'] as const;

/** Keys that could reach an object's prototype if an adapter copied the fields with `Object.assign`. */
const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype'];

// Module-level, so subclasses keep the name `logger` for their own.
const logger = new Logger('UsersAuth');

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

/** What a user is created from: an email, a clear-text password, and any custom fields. @publicApi */
export interface UserCreateInput {
  email: string;
  password: string;
  [field: string]: unknown;
}

/** A partial update; `password` is hashed, `currentPassword` is checked and never stored. @publicApi */
export interface UserUpdateInput {
  email?: string;
  password?: string;
  currentPassword?: string;
  [field: string]: unknown;
}

/** How `oauthCallback` treats a provider account it does not know yet (the provider's `oauth` entry). @publicApi */
export interface OAuthCallbackOptions {
  /** Link to the user with the same email, if the provider verified that email. @default false */
  associateByEmail?: boolean;
  /** A new user starts verified, if the provider verified the email. @default false */
  isVerifiedByDefault?: boolean;
  request?: unknown;
}

/** @publicApi */
export interface Credentials {
  username: string;
  password: string;
}

/**
 * How a call is made. `safe: true` (what the self-service routes pass: register, `PATCH /users/me`) drops the
 * privileged fields and asks for `currentPassword` before a password or email change; app code calls with the
 * default `safe: false`, so `update(user, { isActive: false })` bans, as in fastapi-users. `request` reaches the hooks.
 * @publicApi
 */
export interface ManagerCallOptions {
  /** @default false */
  safe?: boolean;
  request?: unknown;
}

/**
 * All the rules of the user lifecycle, free of HTTP (fastapi-users' BaseUserManager). Subclass it to add hooks, a
 * password policy or another id type, and pass the subclass as `userManager`: the base class's own dependencies are
 * property-injected, so your constructor can inject whatever you need (a mailer, a config service…).
 * @publicApi
 */
@Injectable()
export class UserManager<U extends UserProtocol<ID> = UserProtocol<any>, ID = any> implements UserLookup<U, ID> {
  @Inject(MANAGED_USER_REPOSITORY) protected readonly users!: UserRepository<U, ID>;
  @Inject(PasswordHelper) protected readonly passwordHelper!: PasswordHelper;
  @Inject(UserTokens) protected readonly tokens!: UserTokens;
  @Inject(USERS_AUTH_OPTIONS) protected readonly options!: ResolvedUsersAuthOptions;
  @Inject(AUTH_BACKENDS) protected readonly backends!: AuthenticationBackend<U, ID>[];

  /** Shortest accepted password, in Unicode code points (NIST SP 800-63B). */
  protected readonly minPasswordLength: number = 8;
  /** Longest accepted password, in code points: bounds hashing work per request. */
  protected readonly maxPasswordLength: number = 1024;
  private warnedNoStamp = false;

  /** Turns a client-supplied id into an `ID`; the default accepts UUID strings. Override for integer ids. @throws InvalidIdError */
  parseId(value: unknown): ID {
    if (typeof value === 'string' && UUID.test(value)) return value.toLowerCase() as ID;
    throw new InvalidIdError();
  }

  /** @throws UserNotExistsError */
  async get(id: ID): Promise<U> {
    const user = await this.users.get(id);
    if (!user) throw new UserNotExistsError();
    return user;
  }

  /** @throws UserNotExistsError */
  async getByEmail(email: string): Promise<U> {
    const user = await this.users.getByEmail(email);
    if (!user) throw new UserNotExistsError();
    return user;
  }

  /**
   * Registers a user. Status fields (`isActive`, `isSuperuser`, `isVerified`) are kept unless `safe` (the register
   * route passes `safe: true`); `id` and `hashedPassword` are never taken from the input.
   * @throws InvalidPasswordError | UserAlreadyExistsError
   */
  async create(input: UserCreateInput, { safe = false, request }: ManagerCallOptions = {}): Promise<U> {
    const { password, email, ...fields } = input;
    await this.validatePassword(password, input);
    if (await this.findByEmail(email)) throw new UserAlreadyExistsError();
    const user = await this.users.create({
      ...this.writableFields(fields, safe),
      email,
      hashedPassword: await this.passwordHelper.hash(password),
    } as UserCreateData<U>);
    await this.afterWrite('onAfterRegister', () => this.onAfterRegister(user, request));
    return user;
  }

  /**
   * Updates a user; app code may set any field but `id` and `hashedPassword` (`update(user, { isActive: false })`
   * bans). A new email must be free and resets `isVerified` (unless the call sets it too); a new password is
   * validated and hashed. With `safe: true` (the `PATCH /users/me` route) the status fields are dropped, and a
   * password or email change needs the right `currentPassword` (unless `requireCurrentPassword: false`), checked
   * before a taken address is refused, so a stolen session can neither take the account over nor probe which emails
   * exist.
   * Changing the password ends the user's other tokens (see `JwtStrategy`); a new email ends pending reset and
   * verification tokens, which were mailed to the old one.
   * @throws UserAlreadyExistsError | InvalidPasswordError
   */
  async update(user: U, input: UserUpdateInput, { safe = false, request }: ManagerCallOptions = {}): Promise<U> {
    const { password, currentPassword, ...fields } = input;
    const changes = this.writableFields(fields, safe) as Partial<U> & Record<string, unknown>;
    // The same address in another case is no change; a taken one is refused only after the password check.
    const owner = changes.email === undefined ? undefined : await this.findByEmail(changes.email);
    const emailChanges = owner !== undefined && (!owner || String(owner.id) !== String(user.id));
    if (safe && (password !== undefined || emailChanges) && (this.options.requireCurrentPassword ?? true)) {
      await this.checkCurrentPassword(user, currentPassword);
    }
    if (owner) {
      if (String(owner.id) !== String(user.id)) throw new UserAlreadyExistsError();
    } else if (owner === null) {
      changes.isVerified ??= false as U['isVerified'];
    }
    if (password !== undefined) {
      await this.validatePassword(password, user);
      changes.hashedPassword = await this.passwordHelper.hash(password);
    }
    const updated = await this.users.update(user, changes);
    if (password !== undefined || (user.isActive && updated.isActive === false)) await this.logoutEverywhere(updated);
    const { hashedPassword: _hidden, ...reported } = changes;
    const report = password === undefined ? reported : { ...reported, password: true };
    await this.afterWrite('onAfterUpdate', () => this.onAfterUpdate(updated, report, request));
    return updated;
  }

  /** Deletes a user between the two delete hooks; `onBeforeDelete` can abort by throwing. */
  async delete(user: U, { request }: ManagerCallOptions = {}): Promise<void> {
    await this.onBeforeDelete(user, request);
    await this.logoutEverywhere(user);
    await this.users.delete(user);
    await this.afterWrite('onAfterDelete', () => this.onAfterDelete(user, request));
  }

  /**
   * The user these credentials belong to, or `null`. Unknown emails cost one dummy verification, so timing does
   * not reveal which emails exist; an outdated hash (bcrypt, weaker argon2) is replaced on success.
   */
  async authenticate(credentials: Credentials): Promise<U | null> {
    const user = await this.findByEmail(credentials.username);
    if (!user) {
      await this.passwordHelper.verifyDummy(credentials.password);
      return null;
    }
    const { verified, updatedHash } = await this.passwordHelper.verifyAndUpdate(credentials.password, user.hashedPassword);
    if (!verified) return null;
    if (!updatedHash) return user;
    // Only if the password did not change meanwhile: a rehash must never undo a reset.
    return (
      (await this.users.updateIf(
        user,
        { hashedPassword: user.hashedPassword } as Partial<U>,
        { hashedPassword: updatedHash } as Partial<U>,
      )) ?? user
    );
  }

  /** Sends (through `onAfterRequestVerify`) a verification token. @throws UserInactiveError | UserAlreadyVerifiedError */
  async requestVerify(user: U, { request }: ManagerCallOptions = {}): Promise<void> {
    if (!user.isActive) throw new UserInactiveError();
    if (user.isVerified) throw new UserAlreadyVerifiedError();
    await this.onAfterRequestVerify(user, this.tokens.createVerifyToken(user), request);
  }

  /** Marks the token's user verified. @throws InvalidVerifyTokenError | UserAlreadyVerifiedError */
  async verify(token: string, { request }: ManagerCallOptions = {}): Promise<U> {
    const claims = this.tokens.readVerifyToken(token);
    if (!claims) throw new InvalidVerifyTokenError();
    // Looked up by the email in the token: after an email change the token no longer finds its user.
    const user = await this.findByEmail(claims.email);
    if (!user || !this.sameId(claims.sub, user.id) || !this.tokens.verifyTokenMatches(claims, user)) {
      throw new InvalidVerifyTokenError();
    }
    if (user.isVerified) throw new UserAlreadyVerifiedError();
    const verified = await this.users.update(user, { isVerified: true } as Partial<U>);
    await this.afterWrite('onAfterVerify', () => this.onAfterVerify(verified, request));
    return verified;
  }

  /** Issues a reset token to an active user (through `onAfterForgotPassword`); unknown emails do nothing. */
  async forgotPassword(email: string, { request }: ManagerCallOptions = {}): Promise<void> {
    const user = await this.findByEmail(email);
    if (!user || !user.isActive) return;
    await this.onAfterForgotPassword(user, this.tokens.createResetToken(user), request);
  }

  /**
   * Sets a new password from a reset token. The token works once: it fingerprints the password, the email and the
   * security stamp it was issued for, and the write is a compare-and-set on them, so of concurrent uses exactly one
   * wins, and an email change or a "log out everywhere" in between ends it.
   * @throws InvalidResetPasswordTokenError | InvalidPasswordError
   */
  async resetPassword(token: string, password: string, { request }: ManagerCallOptions = {}): Promise<U> {
    const claims = this.tokens.readResetToken(token);
    if (!claims) throw new InvalidResetPasswordTokenError();
    const user = await this.findById(claims.sub);
    if (!user || !user.isActive || !this.tokens.resetTokenMatches(claims.pfp, user)) {
      throw new InvalidResetPasswordTokenError();
    }
    await this.validatePassword(password, user);
    const expected = { hashedPassword: user.hashedPassword, email: user.email, ...this.stampOf(user) } as Partial<U>;
    const updated = await this.users.updateIf(user, expected, {
      hashedPassword: await this.passwordHelper.hash(password),
    } as Partial<U>);
    if (!updated) throw new InvalidResetPasswordTokenError();
    await this.logoutEverywhere(updated);
    await this.afterWrite('onAfterResetPassword', () => this.onAfterResetPassword(updated, request));
    return updated;
  }

  /**
   * Ends every stored token of the user on every backend (database and Redis access tokens, refresh tokens) and,
   * when the user model has a `securityStamp` field, renews it, which ends pending reset and verification tokens.
   * JWTs cannot be recalled: they end at their expiry, or at the next password change through their fingerprint.
   * Called by `POST /auth/{backend}/logout-all`, after a password change or reset, a deactivation and before a deletion.
   */
  async logoutEverywhere(user: U): Promise<void> {
    for (const backend of this.backends) await backend.destroyAllTokens(user);
    if (user.securityStamp !== undefined) {
      await this.users.update(user, { securityStamp: randomBytes(16).toString('base64url') } as Partial<U>);
    } else if (!this.warnedNoStamp) {
      this.warnedNoStamp = true;
      logger.warn(
        'The user model has no securityStamp field: "log out everywhere" cannot end pending reset and verification tokens (they still end at their expiry, a password change or an email change).',
      );
    }
  }

  /**
   * The password policy: 8 to 1024 characters and nothing else (no composition rules, no trimming). Override it
   * (sync or async; call `super` to keep the length rule) and throw `InvalidPasswordError(reason)` to refuse: the
   * reason reaches the client.
   */
  validatePassword(password: string, _user: UserCreateInput | U): void | Promise<void> {
    const length = [...password].length;
    if (length < this.minPasswordLength) {
      throw new InvalidPasswordError(`Password should be at least ${this.minPasswordLength} characters`);
    }
    if (length > this.maxPasswordLength) {
      throw new InvalidPasswordError(`Password should be at most ${this.maxPasswordLength} characters`);
    }
  }

  /*
   * The after-hooks run once the write is done: one that throws is logged (the hook's name and the error's), and the
   * caller still gets its answer, since the change cannot be undone. Only `onBeforeDelete` can abort.
   */

  /**
   * The user behind a provider account (fastapi-users' `oauth_callback`): a linked account logs its user in (its
   * stored tokens refreshed); otherwise a user with the provider's email is linked only with `associateByEmail`, an
   * email the provider verified, and a user who verified it here (stricter than fastapi-users: no pre-hijack);
   * otherwise a new user is created (a random, unusable password; verified only with
   * `isVerifiedByDefault` and a verified email) and `onAfterRegister` runs. The caller checks `isActive`.
   * @throws UserAlreadyExistsError when the email belongs to a user this account may not be linked to
   * @throws OAuthAccountAlreadyLinkedError when a concurrent callback linked the account first
   */
  async oauthCallback(oauthName: string, profile: OAuthProfile, options: OAuthCallbackOptions = {}): Promise<U> {
    const store = this.oauthStore();
    const { accountId } = profile;
    const linked = await store.getByOAuthAccount(oauthName, accountId);
    if (linked) return store.updateOAuthAccount(linked, oauthName, accountId, this.oauthAccountChanges(oauthName, profile));
    if (profile.email === null) throw new TypeError('oauthCallback: the provider gave no email (OAUTH_NOT_AVAILABLE_EMAIL).');
    const existing = await this.findByEmail(profile.email);
    if (existing) {
      // Both sides must have proved the address: an unverified account here may be someone else's pre-registration.
      if (!options.associateByEmail || !profile.emailVerified || !existing.isVerified) throw new UserAlreadyExistsError();
      return store.addOAuthAccount(existing, this.oauthAccountOf(oauthName, profile));
    }
    const user = await this.users.create({
      email: profile.email,
      hashedPassword: await this.passwordHelper.hash(this.passwordHelper.generate()),
      isVerified: Boolean(options.isVerifiedByDefault && profile.emailVerified),
    } as UserCreateData<U>);
    let created: U;
    try {
      created = await store.addOAuthAccount(user, this.oauthAccountOf(oauthName, profile));
    } catch (error) {
      // Another callback for the same account won the race: no half-made user stays behind.
      if (error instanceof OAuthAccountAlreadyLinkedError) await this.users.delete(user);
      throw error;
    }
    await this.afterWrite('onAfterRegister', () => this.onAfterRegister(created, options.request));
    return created;
  }

  /**
   * Links a provider account to a logged-in user (fastapi-users' `oauth_associate_callback`); linking the same
   * account again refreshes its tokens. `onAfterUpdate` runs with no field changes.
   * @throws OAuthAccountAlreadyLinkedError when the account is linked to another user
   */
  async oauthAssociateCallback(
    user: U,
    oauthName: string,
    profile: OAuthProfile,
    { request }: ManagerCallOptions = {},
  ): Promise<U> {
    const store = this.oauthStore();
    const owner = await store.getByOAuthAccount(oauthName, profile.accountId);
    let updated: U;
    if (owner) {
      if (String(owner.id) !== String(user.id)) throw new OAuthAccountAlreadyLinkedError();
      updated = await store.updateOAuthAccount(owner, oauthName, profile.accountId, this.oauthAccountChanges(oauthName, profile));
    } else {
      updated = await store.addOAuthAccount(user, this.oauthAccountOf(oauthName, profile));
    }
    await this.afterWrite('onAfterUpdate', () => this.onAfterUpdate(updated, {}, request));
    return updated;
  }

  /** The user's linked provider accounts, without their tokens (what a profile page may show). */
  async listOAuthAccounts(user: U): Promise<Array<Pick<OAuthAccount, 'oauthName' | 'accountId' | 'accountEmail'>>> {
    const accounts = await this.oauthStore().getOAuthAccounts(user);
    return accounts.map(({ oauthName, accountId, accountEmail }) => ({ oauthName, accountId, accountEmail }));
  }

  /**
   * The provider tokens of one of the user's linked accounts, decrypted, or `null` when the module keeps none
   * (`oauthTokenKeys` unset) or the account is not the user's.
   */
  async getOAuthTokens(
    user: U,
    oauthName: string,
    accountId: string,
  ): Promise<{ accessToken: string | null; refreshToken: string | null; expiresAt: number | null } | null> {
    const cipher = this.oauthCipher();
    const account = (await this.oauthStore().getOAuthAccounts(user)).find(
      (entry) => entry.oauthName === oauthName && entry.accountId === accountId,
    );
    if (!cipher || !account) return null;
    const open = (value: string | null, field: 'accessToken' | 'refreshToken') =>
      value === null ? null : cipher.decrypt(value, { oauthName, accountId, field });
    return {
      accessToken: open(account.accessToken, 'accessToken'),
      refreshToken: open(account.refreshToken, 'refreshToken'),
      expiresAt: account.expiresAt,
    };
  }

  /** Called after a user registered. */
  async onAfterRegister(_user: U, _request?: unknown): Promise<void> {}
  /** Called after a successful login, with the transport's answer about to be sent. */
  async onAfterLogin(_user: U, _request?: unknown, _response?: unknown): Promise<void> {}
  /** Called after an update, with the changed fields (`password: true` when the password changed). */
  async onAfterUpdate(_user: U, _changes: Record<string, unknown>, _request?: unknown): Promise<void> {}
  /** Called with a fresh verification token: send it to `user.email`. */
  async onAfterRequestVerify(_user: U, _token: string, _request?: unknown): Promise<void> {}
  /** Called after a user verified their email. */
  async onAfterVerify(_user: U, _request?: unknown): Promise<void> {}
  /** Called with a fresh reset token: send it to `user.email` (the stored address, never the one typed). */
  async onAfterForgotPassword(_user: U, _token: string, _request?: unknown): Promise<void> {}
  /** Called after a password reset. */
  async onAfterResetPassword(_user: U, _request?: unknown): Promise<void> {}
  /** Called before a user is deleted. */
  async onBeforeDelete(_user: U, _request?: unknown): Promise<void> {}
  /** Called after a user was deleted. */
  async onAfterDelete(_user: U, _request?: unknown): Promise<void> {}

  /** The user with this client-supplied id, or `null` for a malformed or unknown id (through `get`). */
  async findById(value: unknown): Promise<U | null> {
    try {
      return await this.get(this.parseId(value));
    } catch (error) {
      if (error instanceof InvalidIdError || error instanceof UserNotExistsError) return null;
      throw error;
    }
  }

  /** The user with this email, or `null`; goes through `getByEmail`, so an override of it is used everywhere. */
  async findByEmail(email: string): Promise<U | null> {
    try {
      return await this.getByEmail(email);
    } catch (error) {
      if (error instanceof UserNotExistsError) return null;
      throw error;
    }
  }

  /**
   * Runs an after-hook for a write that is already done: a failure is logged and swallowed, so the caller's answer
   * tells what happened (a register that answered 500 would leave an account the client believes does not exist).
   * Only the names are logged, never the error's message, which may quote data. The login route runs
   * `onAfterLogin` through it too.
   */
  async afterWrite(hook: string, run: () => Promise<void>): Promise<void> {
    try {
      await run();
    } catch (error) {
      const name = error instanceof Error ? error.name : typeof error;
      logger.error(`${hook} threw ${name} after the write was done; the request still succeeds`);
    }
  }

  /** `{ securityStamp }` when the user model has that field (even unset), otherwise `{}`. */
  private stampOf(user: U): { securityStamp?: string | null } {
    const { securityStamp } = user;
    return securityStamp === undefined ? {} : { securityStamp: securityStamp ?? null };
  }

  private sameId(claim: string, id: ID): boolean {
    try {
      return String(this.parseId(claim)) === String(id);
    } catch {
      return false;
    }
  }

  private async checkCurrentPassword(user: U, currentPassword: string | undefined): Promise<void> {
    const { verified } =
      typeof currentPassword === 'string'
        ? await this.passwordHelper.verifyAndUpdate(currentPassword, user.hashedPassword)
        : { verified: false };
    if (!verified) throw new InvalidPasswordError('The current password is missing or wrong');
  }

  private cipher?: OAuthTokenCipher | null;

  /** The repository's OAuth methods. @throws UsersAuthConfigurationError when the adapter does not store OAuth accounts */
  private oauthStore(): Required<
    Pick<UserRepository<U, ID>, 'getByOAuthAccount' | 'addOAuthAccount' | 'updateOAuthAccount' | 'getOAuthAccounts'>
  > {
    const users = this.users;
    if (!users.getByOAuthAccount || !users.addOAuthAccount || !users.updateOAuthAccount || !users.getOAuthAccounts) {
      throw new UsersAuthConfigurationError(
        'OAuth login needs a UserRepository that stores OAuth accounts (getByOAuthAccount, addOAuthAccount, ' +
          'updateOAuthAccount, getOAuthAccounts), e.g. the TypeORM adapter with OAuthAccountEntity among its entities.',
      );
    }
    return users as Required<UserRepository<U, ID>>;
  }

  private oauthCipher(): OAuthTokenCipher | null {
    if (this.cipher === undefined) {
      const keys = this.options.oauthTokenKeys;
      this.cipher = keys?.length ? new OAuthTokenCipher(keys) : null;
    }
    return this.cipher;
  }

  /** The account as stored: tokens encrypted with `oauthTokenKeys`, or not kept at all without them. */
  private oauthAccountOf(oauthName: string, profile: OAuthProfile): OAuthAccount {
    const cipher = this.oauthCipher();
    const { accountId } = profile;
    const seal = (value: string | null, field: 'accessToken' | 'refreshToken') =>
      cipher && value ? cipher.encrypt(value, { oauthName, accountId, field }) : null;
    return {
      oauthName,
      accountId,
      accountEmail: profile.email ?? '',
      accessToken: seal(profile.accessToken, 'accessToken'),
      refreshToken: seal(profile.refreshToken, 'refreshToken'),
      expiresAt: cipher ? profile.expiresAt : null,
    };
  }

  /** A new login's tokens; a stored refresh token stays when the provider sent no new one. */
  private oauthAccountChanges(oauthName: string, profile: OAuthProfile): OAuthAccountUpdate {
    const { oauthName: _name, accountId: _id, ...changes } = this.oauthAccountOf(oauthName, profile);
    const { refreshToken, ...rest } = changes;
    return refreshToken === null && profile.refreshToken === null ? rest : changes;
  }

  private writableFields(fields: Record<string, unknown>, safe: boolean): Record<string, unknown> {
    const hidden: readonly string[] = [...(safe ? PROTECTED_USER_FIELDS : ['id', 'hashedPassword']), ...PROTOTYPE_KEYS];
    return Object.fromEntries(Object.entries(fields).filter(([key, value]) => !hidden.includes(key) && value !== undefined));
  }
}
