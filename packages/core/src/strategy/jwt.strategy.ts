import { createHash, createHmac, sign as cryptoSign, timingSafeEqual, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import jsonwebtoken, { type Algorithm, type JwtPayload, type VerifyOptions } from 'jsonwebtoken';
import { UsersAuthConfigurationError } from '../errors/configuration.errors.js';
import { StrategyDestroyNotSupportedError } from '../errors/not-supported.errors.js';
import { isMissingUser } from '../errors/user.errors.js';
import type { UserProtocol } from '../interfaces/user.interface.js';
import { DEFAULT_AUTH_AUDIENCE } from '../users-auth.constants.js';
import { createHmacKey, deriveHmacKey } from './jwt-key.util.js';
import {
  KEY_LOCATING_HEADERS,
  parseJwtKeySet,
  type JwtAlgorithm,
  type JwtKeyOptions,
  type JwtKeySet,
  type JwtVerificationKey,
} from './jwt-keys.js';
import { fingerprintsEqual, passwordFingerprint } from './password-fingerprint.util.js';
import type { Strategy, UserLookup } from './strategy.interface.js';

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
  /** Accepted and issued `aud` values; the first is written. @default ['nest-users:auth'] */
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
   * How many tokens this strategy remembers as verified (signature and claims; never a user), keyed by the SHA-256 of
   * the whole token (no token is kept), so a client sending the same token again skips the signature check. `exp`
   * and `nbf` are checked on every request, the user is still loaded every time, and a token is only remembered after
   * passing every check. 0 turns it off. @default 1024
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

/** The HMAC hash of each HS algorithm. */
const HMAC_HASHES: Partial<Record<string, string>> = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' };

/** How many distinct token headers a strategy remembers its verdict for. */
const HEADER_VERDICTS_MAX = 32;
const DEFAULT_VERIFIED_TOKEN_CACHE_SIZE = 1024;

/** Tolerated clock skew between instances for `iat` in the future. */
const IAT_LEEWAY_SECONDS = 60;
/** HKDF info of the password-fingerprint key; no other purpose may derive it. */
const FINGERPRINT_INFO = 'nest-users:access-pfp';
/** Compact serialization, three non-empty base64url segments. */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

type JsonObject = Record<string, unknown>;

/** A token that passed every check, and the password hash its `pfp` was last found to match. */
interface VerifiedToken {
  payload: Readonly<JwtPayload>;
  kid: string | undefined;
  confirmedHash?: string;
}

/**
 * Stateless JWT access tokens: `{sub, aud, iat, exp, pfp}`, algorithm pinned, `exp` required, unknown `crit` refused.
 * HS256/HS384/HS512 with a secret, or RS256/ES256/EdDSA with key pairs; several keys by `kid` for rotation.
 * @publicApi
 */
export class JwtStrategy<U extends UserProtocol<ID>, ID = U['id']> implements Strategy<U, ID> {
  readonly algorithm: JwtAlgorithm;
  readonly audience: string[];
  readonly lifetimeSeconds: number;
  readonly revokeOnPasswordChange: boolean;
  /** The exact checks jsonwebtoken applies; shared with the passport-jwt strategy of the backend. */
  readonly verifyOptions: VerifyOptions & { complete: true };
  private readonly headerVerdicts = new Map<string, { header: JsonObject; key: KeyObject; kid: string | undefined } | null>();
  /** By SHA-256 of the token, oldest first (Map order): when full, the oldest entry makes room. */
  private readonly verifiedTokens = new Map<string, VerifiedToken>();
  private readonly verifiedTokenCacheSize: number;
  private readonly keySet: JwtKeySet;
  /** The fingerprint key for every token (from `fingerprintSecret`), else one per HMAC key. */
  private readonly sharedFingerprintKey: KeyObject | undefined;
  private readonly fingerprintKeys = new Map<JwtVerificationKey, KeyObject>();
  /** Secret input of `deriveSecret`; undefined when this instance holds nothing secret. */
  private readonly derivationMaterial: Buffer | undefined;
  private readonly jwks: readonly PublicJwk[];

  constructor(options: JwtStrategyOptions, context = 'JwtStrategy') {
    this.keySet = parseJwtKeySet(options, context);
    this.algorithm = this.keySet.algorithm;
    if (!Number.isSafeInteger(options.lifetimeSeconds) || options.lifetimeSeconds <= 0) {
      throw new UsersAuthConfigurationError(
        `${context}: lifetimeSeconds must be a positive whole number of seconds (tokens without exp are refused).`,
      );
    }
    this.lifetimeSeconds = options.lifetimeSeconds;
    this.verifiedTokenCacheSize = options.verifiedTokenCacheSize ?? DEFAULT_VERIFIED_TOKEN_CACHE_SIZE;
    if (!Number.isSafeInteger(this.verifiedTokenCacheSize) || this.verifiedTokenCacheSize < 0) {
      throw new UsersAuthConfigurationError(`${context}: verifiedTokenCacheSize must be a whole number ≥ 0 (0 turns it off).`);
    }
    this.audience = options.audience?.length ? [...options.audience] : [DEFAULT_AUTH_AUDIENCE];

    const fingerprintSecret =
      options.fingerprintSecret === undefined ? undefined : createHmacKey(options.fingerprintSecret, 'HS256', `${context}: fingerprintSecret`);
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
    this.verifyOptions = {
      algorithms: [this.algorithm as Algorithm],
      audience: this.audience as [string, ...string[]],
      clockTolerance: 0,
      complete: true,
    };
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
    const claims: Record<string, string> = { sub: String(user.id), aud: this.audience[0]! };
    if (this.revokeOnPasswordChange) claims.pfp = passwordFingerprint(this.fingerprintKeyFor(signing)!, user.hashedPassword);
    if (session !== undefined) claims.sid = session;
    if (this.algorithm === 'EdDSA' || HMAC_HASHES[this.algorithm]) return this.signDirect(claims, signing);
    return jsonwebtoken.sign(claims, signing.signingKey!, {
      algorithm: this.algorithm as Algorithm,
      expiresIn: this.lifetimeSeconds,
      ...(signing.kid === undefined ? {} : { keyid: signing.kid }),
    });
  }

  async readToken(token: string, users: UserLookup<U, ID>): Promise<U | null> {
    const verified = this.verifyWithKey(token);
    return verified ? this.loadUser(verified, users) : null;
  }

  async destroyToken(): Promise<void> {
    throw new StrategyDestroyNotSupportedError();
  }

  /** The `sid` of a token that passes every check: the session whose refresh tokens logout ends. */
  async sessionOf(token: string): Promise<string | null> {
    const sid = this.verify(token)?.sid;
    return typeof sid === 'string' ? sid : null;
  }

  /** The verified payload, or `null` for any token that is not ours, not valid now, or not understood. */
  verify(token: string): JwtPayload | null {
    return this.verifyWithKey(token)?.payload ?? null;
  }

  /**
   * RFC 7515 §4.1.11: a token naming extensions we do not implement (`crit`) must be rejected. RFC 8725 §3.10: a
   * token pointing at a key elsewhere (`jku`, `jwk`, `x5u`, `x5c`, `x5t`) is refused, never followed.
   */
  isUnderstoodHeader(header: object): boolean {
    return !('crit' in header) && !KEY_LOCATING_HEADERS.some((name) => name in header);
  }

  /**
   * Cheap checks on a raw token before any signature work: compact form, a JSON-object header we understand with
   * our algorithm and a `kid` of our own, and a payload that is a JSON object itself (RFC 7519 §7.2; jsonwebtoken
   * would also accept a JSON string holding the claims).
   */
  isWellFormed(token: string): boolean {
    return this.keyForToken(token) !== undefined;
  }

  /**
   * The configured key a token may be verified with: chosen by its header's `kid` among the configured keys only,
   * with the pinned algorithm; `undefined` for anything else. Never does I/O.
   */
  keyForToken(token: string): KeyObject | undefined {
    return this.selectKey(token)?.key;
  }

  hasRequiredClaims(payload: JwtPayload): boolean {
    const now = Math.floor(Date.now() / 1000);
    return (
      typeof payload.exp === 'number' &&
      typeof payload.sub === 'string' &&
      payload.sub.length > 0 &&
      (payload.iat === undefined || (typeof payload.iat === 'number' && payload.iat <= now + IAT_LEEWAY_SECONDS))
    );
  }

  /**
   * Loads the user a verified payload names; `null` when the id is malformed, the user is gone, or the password
   * changed since the token was issued. `kid` is the header's, when the token had one.
   */
  userFromPayload(payload: JwtPayload, users: UserLookup<U, ID>, kid?: string): Promise<U | null> {
    return this.loadUser({ payload, kid }, users);
  }

  private async loadUser(verified: VerifiedToken, users: UserLookup<U, ID>): Promise<U | null> {
    const { payload, kid } = verified;
    if (!this.hasRequiredClaims(payload)) return null;
    const fingerprintKey = this.revokeOnPasswordChange ? this.fingerprintKeyFor(this.keySet.find(kid)) : undefined;
    if (this.revokeOnPasswordChange && !fingerprintKey) return null;
    let user: U;
    try {
      user = await users.get(users.parseId(payload.sub));
    } catch (error) {
      if (isMissingUser(error)) return null;
      throw error;
    }
    // The same token against the same stored hash needs no second HMAC: both inputs are fixed, so is the answer.
    if (fingerprintKey && verified.confirmedHash !== user.hashedPassword) {
      if (!fingerprintsEqual(payload.pfp, passwordFingerprint(fingerprintKey, user.hashedPassword))) return null;
      verified.confirmedHash = user.hashedPassword;
    }
    return user;
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

  private selectKey(token: string): { header: JsonObject; key: KeyObject; kid: string | undefined } | undefined {
    if (typeof token !== 'string' || !COMPACT_JWS.test(token)) return undefined;
    const [encodedHeader, encodedPayload, signature] = token.split('.') as [string, string, string];
    // base64url of `{"`: every JSON-object payload we (or PyJWT) sign starts with it.
    if (!encodedPayload.startsWith('eyJ')) return undefined;
    // One token, one spelling: a signature with non-zero padding bits is another string for the same signature.
    if (Buffer.from(signature, 'base64url').toString('base64url') !== signature) return undefined;
    return this.keyForHeader(encodedHeader);
  }

  /**
   * The key an encoded header selects. All tokens of a backend share one header, so the verdict is remembered per
   * header string, in a small map that is simply emptied when full (a flood of odd headers costs nothing more).
   */
  private keyForHeader(encodedHeader: string): { header: JsonObject; key: KeyObject; kid: string | undefined } | undefined {
    const known = this.headerVerdicts.get(encodedHeader);
    if (known !== undefined) return known ?? undefined;
    const header = parseJsonObject(encodedHeader);
    let verdict: { header: JsonObject; key: KeyObject; kid: string | undefined } | null = null;
    if (header && this.isUnderstoodHeader(header) && header.alg === this.algorithm) {
      if (header.kid === undefined || typeof header.kid === 'string') {
        const found = this.keySet.find(header.kid as string | undefined);
        if (found) verdict = { header, key: found.key, kid: found.kid };
      }
    }
    if (this.headerVerdicts.size >= HEADER_VERDICTS_MAX) this.headerVerdicts.clear();
    this.headerVerdicts.set(encodedHeader, verdict);
    return verdict ?? undefined;
  }

  private verifyWithKey(token: string): VerifiedToken | null {
    if (typeof token !== 'string') return null;
    const digest = this.verifiedTokenCacheSize ? createHash('sha256').update(token).digest('binary') : '';
    const known = this.verifiedTokens.get(digest);
    // Only the time-dependent checks can change their answer for the same token with the same keys.
    if (known) return isWithinLifetime(known.payload) ? known : null;
    const selected = this.selectKey(token);
    if (!selected) return null;
    let payload: unknown;
    if (this.algorithm === 'EdDSA' || HMAC_HASHES[this.algorithm]) {
      payload = this.verifyDirect(token, selected.key);
    } else {
      try {
        // `algorithms` pinned and the key a secret or public KeyObject fixed at boot: jsonwebtoken refuses HS* with
        // a public key and RS/ES with a secret (CVE-2022-23541), and `none` with any key.
        ({ payload } = jsonwebtoken.verify(token, selected.key, this.verifyOptions));
      } catch {
        return null;
      }
    }
    if (!isJsonObject(payload) || !this.hasRequiredClaims(payload)) return null;
    const verified: VerifiedToken = { payload: Object.freeze(payload), kid: selected.kid };
    if (digest) this.remember(digest, verified);
    return verified;
  }

  private remember(digest: string, verified: VerifiedToken): void {
    if (this.verifiedTokens.size >= this.verifiedTokenCacheSize) {
      this.verifiedTokens.delete(this.verifiedTokens.keys().next().value!);
    }
    this.verifiedTokens.set(digest, verified);
  }

  /**
   * HMAC and EdDSA tokens are checked here rather than by jsonwebtoken: EdDSA because jsonwebtoken 9 lacks it, HMAC
   * because jsonwebtoken decodes the token again after selectKey did (most of a protected request's JWT cost). The
   * signature (constant-time compare), then the same claim checks jsonwebtoken makes (`nbf`, `exp`, `aud`).
   */
  private verifyDirect(token: string, key: KeyObject): JwtPayload | null {
    const [encodedHeader, encodedPayload, signature] = token.split('.') as [string, string, string];
    const signingInput = `${encodedHeader}.${encodedPayload}`;
    const given = Buffer.from(signature, 'base64url');
    let valid: boolean;
    try {
      const hash = HMAC_HASHES[this.algorithm];
      if (hash) {
        const expected = createHmac(hash, key).update(signingInput).digest();
        valid = given.length === expected.length && timingSafeEqual(given, expected);
      } else {
        valid = cryptoVerify(null, Buffer.from(signingInput), key, given);
      }
    } catch {
      return null;
    }
    if (!valid) return null;
    const payload = parseJsonObject(encodedPayload);
    if (!payload || !isWithinLifetime(payload)) return null;
    const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
    return audiences.some((value) => typeof value === 'string' && this.audience.includes(value)) ? payload : null;
  }

  /** The token jsonwebtoken would write (same header, claim order and encoding), signed without its option parsing. */
  private signDirect(claims: Record<string, string>, signing: JwtVerificationKey): string {
    const iat = Math.floor(Date.now() / 1000);
    const header = { alg: this.algorithm, typ: 'JWT', kid: signing.kid };
    const input = `${base64urlJson(header)}.${base64urlJson({ ...claims, iat, exp: iat + this.lifetimeSeconds })}`;
    const hash = HMAC_HASHES[this.algorithm];
    const signature = hash
      ? createHmac(hash, signing.signingKey!).update(input).digest()
      : cryptoSign(null, Buffer.from(input), signing.signingKey!);
    return `${input}.${signature.toString('base64url')}`;
  }
}

/** `nbf` and `exp` as jsonwebtoken checks them (no clock tolerance). */
function isWithinLifetime({ nbf, exp }: JwtPayload): boolean {
  const now = Math.floor(Date.now() / 1000);
  if (nbf !== undefined && (typeof nbf !== 'number' || nbf > now)) return false;
  return exp === undefined || (typeof exp === 'number' && now < exp);
}

function parseJsonObject(segment: string): JsonObject | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return isJsonObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function base64urlJson(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
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
