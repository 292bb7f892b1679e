import { hash } from 'node:crypto';
import type { JwtCodec, VerifiedJwt } from './jwt.codec.js';

/**
 * What `JwtStrategy` asks about a token beyond loading its user: the codec's verdict, and whether its `pfp` claim
 * matches a password hash. `UncachedTokenVerdicts` asks afresh every time; `VerifiedTokenCache` remembers.
 */
export interface TokenVerdicts {
  /** `codec.verify(token)`. */
  verify(codec: JwtCodec, token: string): VerifiedJwt | null;
  /** `check()`: whether `verified`'s fingerprint matches `hashedPassword`. */
  fingerprintMatches(verified: VerifiedJwt, hashedPassword: string, check: () => boolean): boolean;
}

/** Every verdict made afresh (`verifiedTokenCacheSize: 0`). */
export class UncachedTokenVerdicts implements TokenVerdicts {
  verify(codec: JwtCodec, token: string): VerifiedJwt | null {
    return codec.verify(token);
  }

  fingerprintMatches(_verified: VerifiedJwt, _hashedPassword: string, check: () => boolean): boolean {
    return check();
  }
}

/**
 * Speed behind a seam: remembers which tokens a codec verified, so a client sending the same token again skips the
 * signature check, and the password hash its fingerprint last matched, so the keyed fingerprint is recomputed only
 * when the stored hash is another one (a password change). Keyed by the SHA-256 of the whole token (no token is
 * kept); only a token that passed every check is remembered, and the clock-dependent checks (`exp`, `nbf`, `iat`) are
 * made again on every use. Emptied when it is handed another codec (another key set or audience), and when full the
 * oldest entry makes room. Users are never remembered: the strategy loads the user on every request and compares its
 * current hash with the remembered one.
 */
export class VerifiedTokenCache implements TokenVerdicts {
  /** By SHA-256 of the token, oldest first (Map order). */
  private readonly entries = new Map<string, VerifiedJwt>();
  /** The hash each remembered token's fingerprint matched; an entry goes with its token. */
  private matchedHashes = new WeakMap<VerifiedJwt, string>();
  private codec: JwtCodec | undefined;

  constructor(private readonly size: number) {}

  /** `codec.verify(token)`, remembered. */
  verify(codec: JwtCodec, token: string): VerifiedJwt | null {
    if (codec !== this.codec) this.flush(codec);
    const digest = hash('sha256', token, 'binary');
    const known = this.entries.get(digest);
    if (known) return codec.isCurrent(known.claims) ? known : null;
    const verified = codec.verify(token);
    if (verified) {
      if (this.entries.size >= this.size) this.entries.delete(this.entries.keys().next().value!);
      this.entries.set(digest, verified);
    }
    return verified;
  }

  /** `check()`, skipped when this verdict's fingerprint already matched this very hash. */
  fingerprintMatches(verified: VerifiedJwt, hashedPassword: string, check: () => boolean): boolean {
    if (this.matchedHashes.get(verified) === hashedPassword) return true;
    const matches = check();
    if (matches) this.matchedHashes.set(verified, hashedPassword);
    return matches;
  }

  /** Forgets every verdict (the key set changed). */
  flush(codec?: JwtCodec): void {
    this.entries.clear();
    this.matchedHashes = new WeakMap();
    this.codec = codec;
  }
}
