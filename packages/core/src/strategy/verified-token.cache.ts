import { createHash } from 'node:crypto';
import type { JwtCodec, VerifiedJwt } from './jwt.codec.js';

/**
 * Speed behind a seam: remembers which tokens a codec verified, so a client sending the same token again skips the
 * signature check. Keyed by the SHA-256 of the whole token (no token is kept); only a token that passed every check
 * is remembered, and the clock-dependent checks (`exp`, `nbf`, `iat`) are made again on every use. Emptied when it is
 * handed another codec (another key set or audience), and when full the oldest entry makes room. Users are never
 * remembered: the strategy loads the user and checks its password fingerprint on every request.
 */
export class VerifiedTokenCache {
  /** By SHA-256 of the token, oldest first (Map order). */
  private readonly entries = new Map<string, VerifiedJwt>();
  private codec: JwtCodec | undefined;

  constructor(private readonly size: number) {}

  /** `codec.verify(token)`, remembered. */
  verify(codec: JwtCodec, token: string): VerifiedJwt | null {
    if (codec !== this.codec) this.flush(codec);
    const digest = createHash('sha256').update(token).digest('binary');
    const known = this.entries.get(digest);
    if (known) return codec.isCurrent(known.claims) ? known : null;
    const verified = codec.verify(token);
    if (verified) {
      if (this.entries.size >= this.size) this.entries.delete(this.entries.keys().next().value!);
      this.entries.set(digest, verified);
    }
    return verified;
  }

  /** Forgets every verdict (the key set changed). */
  flush(codec?: JwtCodec): void {
    this.entries.clear();
    this.codec = codec;
  }
}
