import type { StoredToken, TokenKind, TokenStore } from '@nest-users/core';

interface Entry {
  token: StoredToken;
  spent: boolean;
}

/**
 * A Map-backed `TokenStore` for fast unit tests; it passes the same contract as the real adapters.
 * @publicApi
 */
export class InMemoryTokenStore implements TokenStore {
  private readonly entries = new Map<string, Entry>();

  async save(token: StoredToken): Promise<void> {
    this.entries.set(token.hash, { token: copy(token), spent: false });
  }

  async find(hash: string, kind: TokenKind): Promise<StoredToken | null> {
    const entry = this.live(hash, kind);
    return entry && !entry.spent ? copy(entry.token) : null;
  }

  // No await between the check and the write, so of concurrent calls exactly one sees `spent: false`.
  async spend(hash: string, kind: TokenKind): Promise<{ token: StoredToken; alreadySpent: boolean } | null> {
    const entry = this.live(hash, kind);
    if (!entry) return null;
    const alreadySpent = entry.spent;
    entry.spent = true;
    return { token: copy(entry.token), alreadySpent };
  }

  async delete(hash: string): Promise<void> {
    this.entries.delete(hash);
  }

  async deleteFamily(family: string): Promise<void> {
    for (const [hash, { token }] of this.entries) if (token.family === family) this.entries.delete(hash);
  }

  async deleteUser(userId: string): Promise<void> {
    for (const [hash, { token }] of this.entries) if (token.userId === userId) this.entries.delete(hash);
  }

  async purgeExpired(): Promise<number> {
    let purged = 0;
    for (const [hash, { token }] of this.entries) {
      if (isExpired(token)) purged += Number(this.entries.delete(hash));
    }
    return purged;
  }

  /** Every stored record, expired and spent ones included; lets tests look at what a store would hold. */
  records(): Array<StoredToken & { spent: boolean }> {
    return [...this.entries.values()].map(({ token, spent }) => ({ ...copy(token), spent }));
  }

  /** Removes every token. */
  clear(): void {
    this.entries.clear();
  }

  private live(hash: string, kind: TokenKind): Entry | undefined {
    const entry = this.entries.get(hash);
    return entry && entry.token.kind === kind && !isExpired(entry.token) ? entry : undefined;
  }
}

function isExpired(token: StoredToken): boolean {
  return token.expiresAt.getTime() <= Date.now();
}

// Copies in and out, so a caller changing a token it got back changes nothing stored.
function copy(token: StoredToken): StoredToken {
  return {
    hash: token.hash,
    userId: token.userId,
    kind: token.kind,
    expiresAt: new Date(token.expiresAt),
    family: token.family ?? null,
    fingerprint: token.fingerprint ?? null,
  };
}
