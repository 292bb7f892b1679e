import type { KeyObject } from 'node:crypto';
import type { AuthenticationBackend } from '../backend/authentication-backend.js';
import { UsersAuthConfigurationError } from '../errors/configuration.errors.js';
import type { UserProtocol } from '../interfaces/user.interface.js';
import type { PurposeTokenOptions, UsersAuthModuleOptions } from '../interfaces/users-auth-module-options.interface.js';
import { JwtCodec, type JwtClaims } from '../strategy/jwt.codec.js';
import { createHmacKey } from '../strategy/jwt-key.util.js';
import { parseJwtKeySet } from '../strategy/jwt-keys.js';
import { JwtStrategy } from '../strategy/jwt.strategy.js';
import { fingerprintsEqual, passwordFingerprint } from '../strategy/password-fingerprint.util.js';

export const VERIFY_AUDIENCE = 'nest-users:verify';
export const RESET_PASSWORD_AUDIENCE = 'nest-users:reset';
const DEFAULT_LIFETIME_SECONDS = 3600;

/** Signs and reads one kind of single-purpose token (verify or reset), with its own key and audience, by the codec. */
class PurposeToken {
  private readonly codec: JwtCodec;

  constructor(
    readonly key: KeyObject,
    audience: string,
    private readonly lifetimeSeconds: number,
  ) {
    this.codec = new JwtCodec(parseJwtKeySet({ algorithm: 'HS256', secret: key }, `${audience} token`), [audience]);
  }

  sign(claims: { sub: string } & Record<string, string>): string {
    return this.codec.sign(claims, this.lifetimeSeconds);
  }

  read(token: unknown): JwtClaims | null {
    return this.codec.verify(token)?.claims ?? null;
  }
}

/**
 * Verification tokens (`{sub, email, sfp}`) and reset tokens (`{sub, pfp}`). `pfp` fingerprints the stored password
 * hash, the email and the security stamp, so a reset token dies with the password it was issued for, when the email
 * moves (it was mailed to the old address) and at "log out everywhere"; `sfp` fingerprints the security stamp, and
 * the email claim must still be the user's.
 */
export class UserTokens {
  private readonly verify: PurposeToken;
  private readonly reset: PurposeToken;

  constructor(options: UsersAuthModuleOptions) {
    this.verify = purposeToken(options.verifyToken, VERIFY_AUDIENCE, options.backends);
    this.reset = purposeToken(options.resetPasswordToken, RESET_PASSWORD_AUDIENCE, options.backends);
  }

  createVerifyToken(user: UserProtocol<unknown>): string {
    return this.verify.sign({ sub: String(user.id), email: user.email, sfp: this.stampFingerprint(user) });
  }

  /** `{sub, email, sfp}` of a valid verification token, or `null`; the caller checks them with `verifyTokenMatches`. */
  readVerifyToken(token: unknown): VerifyClaims | null {
    const payload = this.verify.read(token);
    return payload && typeof payload.email === 'string' && typeof payload.sfp === 'string'
      ? { sub: payload.sub, email: payload.email, sfp: payload.sfp }
      : null;
  }

  /** Whether a verification token still speaks for this user: same email, same security stamp. */
  verifyTokenMatches(claims: VerifyClaims, user: UserProtocol<unknown>): boolean {
    return claims.email === user.email && fingerprintsEqual(claims.sfp, this.stampFingerprint(user));
  }

  createResetToken(user: UserProtocol<unknown>): string {
    return this.reset.sign({ sub: String(user.id), pfp: this.credentialFingerprint(user) });
  }

  /** The user id of a valid reset token, or `null`; the caller checks the fingerprint with `resetTokenMatches`. */
  readResetToken(token: unknown): { sub: string; pfp: string } | null {
    const payload = this.reset.read(token);
    return payload && typeof payload.pfp === 'string' ? { sub: payload.sub, pfp: payload.pfp } : null;
  }

  resetTokenMatches(fingerprint: string, user: UserProtocol<unknown>): boolean {
    return fingerprintsEqual(fingerprint, this.credentialFingerprint(user));
  }

  private credentialFingerprint(user: UserProtocol<unknown>): string {
    return passwordFingerprint(this.reset.key, JSON.stringify([user.hashedPassword, user.email, user.securityStamp ?? null]));
  }

  private stampFingerprint(user: UserProtocol<unknown>): string {
    return passwordFingerprint(this.verify.key, JSON.stringify([user.securityStamp ?? null]));
  }
}

/** What a verification token claims. */
export interface VerifyClaims {
  sub: string;
  email: string;
  sfp: string;
}

function purposeToken(
  options: PurposeTokenOptions | undefined,
  audience: string,
  backends: AuthenticationBackend<any, any>[],
): PurposeToken {
  const lifetime = options?.lifetimeSeconds ?? DEFAULT_LIFETIME_SECONDS;
  if (!Number.isSafeInteger(lifetime) || lifetime <= 0) {
    throw new UsersAuthConfigurationError(`The ${audience} token lifetime must be a positive whole number of seconds.`);
  }
  const key =
    options?.secret !== undefined ? createHmacKey(options.secret, 'HS256', `${audience} token`) : derivedKey(audience, backends);
  return new PurposeToken(key, options?.audience ?? audience, lifetime);
}

/**
 * With no secret of its own, a purpose gets a key derived (HKDF) from the first JWT backend that holds a secret
 * (its `fingerprintSecret`, HMAC secret or private key; see `JwtStrategy.deriveSecret`): never the same key.
 */
function derivedKey(purpose: string, backends: AuthenticationBackend<any, any>[]): KeyObject {
  for (const backend of backends) {
    const key = backend.strategy instanceof JwtStrategy ? backend.strategy.deriveSecret(purpose) : undefined;
    if (key) return key;
  }
  throw new UsersAuthConfigurationError(
    `No JWT backend holding a secret to derive the ${purpose} token key from: set ` +
      `\`${purpose === VERIFY_AUDIENCE ? 'verifyToken' : 'resetPasswordToken'}.secret\`.`,
  );
}
