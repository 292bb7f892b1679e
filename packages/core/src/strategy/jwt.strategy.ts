import type { KeyObject } from 'node:crypto';
import { UsersAuthConfigurationError } from '../errors/configuration.errors.js';
import { StrategyDestroyNotSupportedError } from '../errors/not-supported.errors.js';
import { findTokenUser } from './user-lookup.util.js';
import type { UserProtocol } from '../interfaces/user.interface.js';
import { backendAudience } from '../users-auth.constants.js';
import { JwtCodec, type VerifiedJwt } from './jwt.codec.js';
import { createHmacKey, deriveHmacKey } from './jwt-key.util.js';
import { parseJwtKeySet, type JwtAlgorithm, type JwtKeyOptions, type JwtKeySet, type JwtVerificationKey } from './jwt-keys.js';
import { fingerprintsEqual, passwordFingerprint } from './password-fingerprint.util.js';
import type { Strategy, UserLookup } from './strategy.interface.js';
import { UncachedTokenVerdicts, VerifiedTokenCache, type TokenVerdicts } from './verified-token.cache.js';

/** @publicApi */
export interface JwtStrategyOptions {
  /**
   * HS256/HS384/HS512: the HMAC secret, a string, Buffer or secret `KeyObject` of at least 32 bytes for HS256 (48,
   * 64 for HS384, HS512; shorter, or a PEM/JWK key, fails at startup). Tokens carry no `kid`. Use `keys` instead to
   * rotate secrets.
   */
  secret?: string | Buffer | KeyObject;
  /**
   * Named keys, each written as `kid` in the header of the tokens it signs; tokens are verified with the key their
   * `kid` names, and only with keys listed here (a `kid` never causes a lookup anywhere else). One key signs (see
   * `signingKid`), every key verifies: to rotate, list the new key first (it signs) and keep the old one, public part
   * only, until the last token it signed has expired. A token without `kid` is accepted only when there is one key.
   * RS256/ES256/EdDSA: `{ kid, privateKey?, publicKey? }` (KeyObject or PEM); HS*: `{ kid, secret }`.
   */
  keys?: JwtKeyOptions[];
  /** The kid of the key that signs. @default the first key with a private key (HS*: the first key) */
  signingKid?: string;
  /**
   * RS256/ES256/EdDSA only: this instance verifies tokens issued elsewhere and holds public keys only; `writeToken`
   * (and so this backend's login) fails. @default false
   */
  verifyOnly?: boolean;
  /**
   * A secret (≥ 32 random bytes, the same on every instance) that keys the password fingerprint (`pfp`) and, for the
   * first JWT backend, the verify and reset token keys, instead of the signing key. Required by RS256/ES256/EdDSA
   * backends that keep `revokeOnPasswordChange` on: a key pair has no shared secret, and a verify-only instance has
   * no private key. With it, rotating signing keys leaves fingerprints (and reset links) valid.
   */
  fingerprintSecret?: string | Buffer | KeyObject;
  /** Token lifetime in seconds; every token carries `exp`. */
  lifetimeSeconds: number;
  /**
   * Accepted and issued `aud` values; the first is written. Set it only to share tokens on purpose: with another
   * backend, or with a fastapi-users service (`['fastapi-users:auth']`). @default ['nest-users:auth:<backend name>']
   */
  audience?: string[];
  /** Signing algorithm, pinned: tokens signed any other way are refused. @default 'HS256' */
  algorithm?: JwtAlgorithm;
  /**
   * Bind each token to the user's current password (a `pfp` claim, a keyed fingerprint of the hash), so a password
   * change or reset ends every token issued before it. Turn off only to accept tokens minted elsewhere (e.g. by a
   * fastapi-users service sharing the secret). RS256/ES256/EdDSA need `fingerprintSecret` for it, or an explicit
   * `false`. @default true
   */
  revokeOnPasswordChange?: boolean;
  /**
   * The one switch of the verified-token cache (`VerifiedTokenCache`, a separate component in front of the codec):
   * how many tokens are remembered as verified (signature and claims; never a user), keyed by the SHA-256 of the
   * token, so a client sending the same token again skips the signature check. `exp`, `nbf` and `iat` are checked on
   * every request and the user is loaded every time. On by default because it earns its place in bench/micro.ts (a
   * hit costs a sixth of a verify; RS256/ES256/EdDSA verifies cost far more). 0 turns it off. @default 1024
   */
  verifiedTokenCacheSize?: number;
}

/** A public key as published at the JWKS endpoint: public members only, never `d`, `p`, `q`… @publicApi */
export interface PublicJwk {
  kty: string;
  kid: string;
  alg: string;
  use: 'sig';
  n?: string;
  e?: string;
  crv?: string;
  x?: string;
  y?: string;
}

/** On: in bench/micro.ts a hit costs a sixth of a codec verify and saves ~17 % of readToken (see bench/RESULTS.md). */
const DEFAULT_VERIFIED_TOKEN_CACHE_SIZE = 1024;
/** HKDF info of the password-fingerprint key; no other purpose may derive it. */
const FINGERPRINT_INFO = 'nest-users:access-pfp';

/**
 * Stateless JWT access tokens: `{sub, aud, iat, exp, pfp}`, algorithm pinned, `exp` required, unknown `crit` refused.
 * HS256/HS384/HS512 with a secret, or RS256/ES256/EdDSA with key pairs; several keys by `kid` for rotation. Every
 * token is signed and verified by its `JwtCodec` (see `codec`); the audience names the backend that owns the strategy
 * (`nest-users:auth:<backend name>`) unless `audience` is set.
 * @publicApi
 */
export class JwtStrategy<U extends UserProtocol<ID>, ID = U['id']> implements Strategy<U, ID> {
  readonly algorithm: JwtAlgorithm;
  readonly lifetimeSeconds: number;
  readonly revokeOnPasswordChange: boolean;
  private readonly context: string;
  private readonly keySet: JwtKeySet;
  private readonly explicitAudience: readonly string[] | undefined;
  private backendName: string | undefined;
  private jwtCodec: JwtCodec | undefined;
  /** The codec's verdicts and fingerprint matches: remembered (`VerifiedTokenCache`) or not. */
  private readonly verdicts: TokenVerdicts;
  /** The fingerprint key for every token (from `fingerprintSecret`), else one per HMAC key. */
  private readonly sharedFingerprintKey: KeyObject | undefined;
  private readonly fingerprintKeys = new Map<JwtVerificationKey, KeyObject>();
  /** Secret input of `deriveSecret`; undefined when this instance holds nothing secret. */
  private readonly derivationMaterial: Buffer | undefined;
  private readonly jwks: readonly PublicJwk[];

  constructor(options: JwtStrategyOptions, context = 'JwtStrategy') {
    this.context = context;
    this.keySet = parseJwtKeySet(options, context);
    this.algorithm = this.keySet.algorithm;
    if (!Number.isSafeInteger(options.lifetimeSeconds) || options.lifetimeSeconds <= 0) {
      throw new UsersAuthConfigurationError(
        `${context}: lifetimeSeconds must be a positive whole number of seconds (tokens without exp are refused).`,
      );
    }
    this.lifetimeSeconds = options.lifetimeSeconds;
    const cacheSize = options.verifiedTokenCacheSize ?? DEFAULT_VERIFIED_TOKEN_CACHE_SIZE;
    if (!Number.isSafeInteger(cacheSize) || cacheSize < 0) {
      throw new UsersAuthConfigurationError(`${context}: verifiedTokenCacheSize must be a whole number ≥ 0 (0 turns it off).`);
    }
    this.verdicts = cacheSize > 0 ? new VerifiedTokenCache(cacheSize) : new UncachedTokenVerdicts();
    this.explicitAudience = options.audience?.length ? [...options.audience] : undefined;

    const fingerprintSecret =
      options.fingerprintSecret === undefined
        ? undefined
        : createHmacKey(options.fingerprintSecret, 'HS256', `${context}: fingerprintSecret`);
    this.revokeOnPasswordChange = options.revokeOnPasswordChange ?? true;
    if (this.keySet.asymmetric && this.revokeOnPasswordChange && !fingerprintSecret) {
      throw new UsersAuthConfigurationError(
        `${context}: a password change must end older ${this.algorithm} tokens too (they carry a keyed fingerprint of ` +
          `the password), and a key pair has no shared secret to key it with. Set fingerprintSecret (≥ 32 random ` +
          `bytes, the same on every instance that verifies these tokens, e.g. from JWT_FINGERPRINT_SECRET), or set ` +
          `revokeOnPasswordChange: false to let tokens live until exp after a password change.`,
      );
    }
    this.sharedFingerprintKey = fingerprintSecret && deriveHmacKey(fingerprintSecret.export(), FINGERPRINT_INFO);
    if (!this.keySet.asymmetric && !this.sharedFingerprintKey) {
      for (const key of this.keySet.keys) this.fingerprintKeys.set(key, deriveHmacKey(key.key.export(), FINGERPRINT_INFO));
    }
    this.derivationMaterial = fingerprintSecret?.export() ?? secretBytesOf(this.keySet.signing?.signingKey);
    this.jwks = this.keySet.asymmetric ? this.keySet.keys.map((key) => toPublicJwk(key, this.algorithm)) : [];
  }

  /**
   * Called by the `AuthenticationBackend` that owns this strategy: without an explicit `audience`, its tokens name
   * that backend (`nest-users:auth:<name>`), so no other backend accepts them.
   * @throws UsersAuthConfigurationError when a second backend claims a strategy whose audience names the first
   */
  attachToBackend(backendName: string): void {
    if (this.backendName === backendName) return;
    if (this.backendName !== undefined && !this.explicitAudience) {
      throw new UsersAuthConfigurationError(
        `${this.context}: one JwtStrategy is used by backends "${this.backendName}" and "${backendName}". Its tokens ` +
          `name one backend in their audience; give each backend its own strategy, or set \`audience\` to share ` +
          `tokens between them on purpose.`,
      );
    }
    this.backendName ??= backendName;
  }

  /**
   * The one codec that signs and verifies this strategy's tokens (the passport-jwt glue selects keys and checks
   * claims with it too).
   * @throws UsersAuthConfigurationError before the strategy belongs to a backend, unless `audience` is set
   */
  get codec(): JwtCodec {
    this.jwtCodec ??= new JwtCodec(this.keySet, this.audience);
    return this.jwtCodec;
  }

  /** Accepted and issued `aud` values; the first is written. */
  get audience(): string[] {
    if (this.explicitAudience) return [...this.explicitAudience];
    if (this.backendName !== undefined) return [backendAudience(this.backendName)];
    throw new UsersAuthConfigurationError(
      `${this.context}: its audience names the backend it belongs to, and it belongs to none yet: hand it to an ` +
        `AuthenticationBackend (or use JwtAuthentication), or set \`audience\`.`,
    );
  }

  /** The signing key: the HMAC secret, or the private key. @throws UsersAuthConfigurationError when `verifyOnly` */
  get key(): KeyObject {
    return this.signingKey().signingKey!;
  }

  /** The `kid` written in new tokens (undefined for a lone `secret`, or when `verifyOnly`). */
  get signingKid(): string | undefined {
    return this.keySet.signing?.kid;
  }

  /** RS256, ES256 or EdDSA: the keys can be published (see `publicJwks`). */
  get isAsymmetric(): boolean {
    return this.keySet.asymmetric;
  }

  /** The public keys of an asymmetric backend, as JWKs for a JWKS document; `[]` for HMAC (secrets are never shown). */
  publicJwks(): PublicJwk[] {
    return this.jwks.map((jwk) => ({ ...jwk }));
  }

  /**
   * A 32-byte HMAC key for another purpose (e.g. verify or reset tokens), derived (HKDF) from `fingerprintSecret`,
   * else from the HMAC signing secret, else from the private signing key; `undefined` when this instance holds none.
   */
  deriveSecret(purpose: string): KeyObject | undefined {
    if (purpose === FINGERPRINT_INFO) throw new Error(`"${FINGERPRINT_INFO}" is reserved for access-token fingerprints.`);
    return this.derivationMaterial && deriveHmacKey(this.derivationMaterial, purpose);
  }

  /** `session` (a backend with refresh tokens: the family id) is written as the `sid` claim, for `sessionOf`. */
  async writeToken(user: U, session?: string): Promise<string> {
    const signing = this.signingKey();
    const claims: { sub: string; pfp?: string; sid?: string } = { sub: String(user.id) };
    if (this.revokeOnPasswordChange) claims.pfp = passwordFingerprint(this.fingerprintKeyFor(signing)!, user.hashedPassword);
    if (session !== undefined) claims.sid = session;
    return this.codec.sign(claims, this.lifetimeSeconds);
  }

  /** The user a token names: `null` for any token the codec refuses, a malformed id, a gone user, a changed password. */
  async readToken(token: string, users: UserLookup<U, ID>): Promise<U | null> {
    const codec = this.codec;
    const verified = typeof token === 'string' ? this.verdicts.verify(codec, token) : codec.verify(token);
    return verified ? this.loadUser(verified, users) : null;
  }

  async destroyToken(): Promise<void> {
    throw new StrategyDestroyNotSupportedError();
  }

  /** The `sid` of a token that passes every check: the session whose refresh tokens logout ends. */
  async sessionOf(token: string): Promise<string | null> {
    const sid = this.codec.verify(token)?.claims.sid;
    return typeof sid === 'string' ? sid : null;
  }

  private async loadUser(verified: VerifiedJwt, users: UserLookup<U, ID>): Promise<U | null> {
    const { claims, kid } = verified;
    const fingerprintKey = this.revokeOnPasswordChange ? this.fingerprintKeyFor(this.keySet.find(kid)) : undefined;
    if (this.revokeOnPasswordChange && !fingerprintKey) return null;
    const user = await findTokenUser(users, claims.sub);
    if (!user) return null;
    if (!fingerprintKey) return user;
    const { hashedPassword } = user;
    // No hash, no binding: such a user (a broken row, or a model without passwords) holds no valid token.
    if (typeof hashedPassword !== 'string') return null;
    const matches = this.verdicts.fingerprintMatches(verified, hashedPassword, () =>
      fingerprintsEqual(claims.pfp, passwordFingerprint(fingerprintKey, hashedPassword)),
    );
    return matches ? user : null;
  }

  private signingKey(): JwtVerificationKey {
    if (!this.keySet.signing) {
      throw new UsersAuthConfigurationError(
        'This JWT strategy is verifyOnly: it holds public keys only and cannot issue tokens. Give it the private key ' +
          '(and drop verifyOnly) on the instance that logs users in.',
      );
    }
    return this.keySet.signing;
  }

  private fingerprintKeyFor(key: JwtVerificationKey | undefined): KeyObject | undefined {
    return this.sharedFingerprintKey ?? (key && this.fingerprintKeys.get(key));
  }
}

/** The secret bytes of a signing key: an HMAC secret as is, a private key's private scalar (`d`, encoding-independent). */
function secretBytesOf(key: KeyObject | undefined): Buffer | undefined {
  if (!key) return undefined;
  if (key.type === 'secret') return key.export();
  return Buffer.from(key.export({ format: 'jwk' }).d!, 'base64url');
}

/** Only the public members, picked one by one: whatever `export` returns, nothing private can slip through. */
function toPublicJwk({ kid, key }: JwtVerificationKey, algorithm: JwtAlgorithm): PublicJwk {
  const jwk = key.export({ format: 'jwk' });
  const base = { kty: jwk.kty!, kid: kid!, alg: algorithm, use: 'sig' as const };
  if (jwk.kty === 'RSA') return Object.freeze({ ...base, n: jwk.n!, e: jwk.e! });
  if (jwk.kty === 'EC') return Object.freeze({ ...base, crv: jwk.crv!, x: jwk.x!, y: jwk.y! });
  return Object.freeze({ ...base, crv: jwk.crv!, x: jwk.x! });
}
