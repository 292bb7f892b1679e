import { UsersAuthConfigurationError, type StoredToken, type TokenKind, type TokenStore } from '@nest-users/core';
import type { Redis } from 'ioredis';
import { toRedisStoreError } from './redis-client.js';
import { Script } from './redis-script.js';

/** @publicApi */
export interface RedisTokenStoreOptions {
  /**
   * Prepended to every key the store writes, so several apps (or backends) can share one Redis database.
   * @default 'nest-users:token:'
   */
  keyPrefix?: string;
}

/** What a token key holds (JSON). Never the token itself: the key is its SHA-256. */
interface TokenRecord {
  userId: string;
  /** Absent in records written before kinds existed: such a record is neither kind. */
  kind?: TokenKind;
  /** ISO 8601. */
  expiresAt: string;
  family: string | null;
  fingerprint?: string | null;
  /** Set by `spend`: the token is kept (so reuse is detected) until it expires, but no longer found. */
  spent?: boolean;
}

/** How many random index members each `save` checks (and removes when their token is gone). */
const PRUNE_SAMPLE = 8;

/**
 * KEYS: token key, user index, [family index]. ARGV: record JSON, TTL in ms, hash, key prefix, prune sample.
 * Writes the token with its TTL, adds it to its indexes and extends each index's TTL to its longest-lived member, so
 * an index never outlives its tokens. A few random members of each index are checked on the way and removed when
 * their token expired, which keeps the index of a user who logs in all the time from growing without bound.
 */
const SAVE = new Script(`
local ttl = tonumber(ARGV[2])
redis.call('SET', KEYS[1], ARGV[1], 'PX', ttl)
for i = 2, #KEYS do
  local index = KEYS[i]
  local sample = redis.call('SRANDMEMBER', index, tonumber(ARGV[5]))
  for _, member in ipairs(sample) do
    if redis.call('EXISTS', ARGV[4] .. member) == 0 then redis.call('SREM', index, member) end
  end
  redis.call('SADD', index, ARGV[3])
  if redis.call('PTTL', index) < ttl then redis.call('PEXPIRE', index, ttl) end
end
return 1
`);

/**
 * KEYS: token key. ARGV: kind. Returns nil (unknown, expired or of another kind, left untouched), or {record JSON as
 * it was, 1 if it was already spent}. The first call marks the record spent, keeping its TTL; the script runs
 * atomically, so of any number of concurrent calls exactly one sees 0.
 */
const SPEND = new Script(`
local raw = redis.call('GET', KEYS[1])
if not raw then return false end
local record = cjson.decode(raw)
if record.kind ~= ARGV[1] then return false end
if record.spent then return {raw, 1} end
local ttl = redis.call('PTTL', KEYS[1])
if ttl == -2 then return false end
record.spent = true
if ttl > 0 then
  redis.call('SET', KEYS[1], cjson.encode(record), 'PX', ttl)
else
  redis.call('SET', KEYS[1], cjson.encode(record))
end
return {raw, 0}
`);

/** KEYS: token key. ARGV: hash, key prefix. Deletes the token and takes it out of its user and family indexes. */
const DELETE = new Script(`
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
redis.call('DEL', KEYS[1])
local record = cjson.decode(raw)
if type(record.userId) == 'string' then redis.call('SREM', ARGV[2] .. 'user:' .. record.userId, ARGV[1]) end
if type(record.family) == 'string' then redis.call('SREM', ARGV[2] .. 'family:' .. record.family, ARGV[1]) end
return 1
`);

/**
 * KEYS: an index (user or family). ARGV: key prefix, the other index kind ('family' or 'user'), the record field
 * naming it ('family' or 'userId'). Deletes every token of the index, takes each out of its other index, deletes the
 * index; returns how many tokens were deleted.
 */
const DELETE_INDEX = new Script(`
local members = redis.call('SMEMBERS', KEYS[1])
local deleted = 0
for _, hash in ipairs(members) do
  local key = ARGV[1] .. hash
  local raw = redis.call('GET', key)
  if raw then
    redis.call('DEL', key)
    deleted = deleted + 1
    local other = cjson.decode(raw)[ARGV[3]]
    if type(other) == 'string' then redis.call('SREM', ARGV[1] .. ARGV[2] .. ':' .. other, hash) end
  end
end
redis.call('DEL', KEYS[1])
return deleted
`);

/** KEYS: an index. ARGV: key prefix. Removes the members whose token key is gone; returns how many. */
const PRUNE_INDEX = new Script(`
local removed = 0
for _, hash in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if redis.call('EXISTS', ARGV[1] .. hash) == 0 then
    redis.call('SREM', KEYS[1], hash)
    removed = removed + 1
  end
end
return removed
`);

/** Escapes the glob characters of a SCAN MATCH pattern. */
function globEscape(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

/**
 * `TokenStore` on Redis (ioredis): each token is a key `${keyPrefix}${sha256(token)}` holding JSON
 * `{userId, kind, expiresAt, family, fingerprint}` with a TTL (`PX`) ending at `expiresAt`, so Redis itself forgets expired tokens.
 * Two kinds of sets index the hashes: `${keyPrefix}user:${userId}` ("log out everywhere", password change) and
 * `${keyPrefix}family:${family}` (refresh-token reuse detection); each index's TTL is extended to its longest-lived
 * member. `spend` is a Lua script, hence atomic.
 *
 * Every command error that means Redis is not answering (connection refused or closed, offline queue disabled,
 * `MaxRetriesPerRequestError`, command timeout) becomes `StoreUnavailableError('redis', cause)`, which the library
 * answers with 503. Create the client with `createRedisClient` (or the options in `FAIL_FAST_REDIS_OPTIONS`) so an
 * outage fails fast instead of hanging.
 *
 * Written for a standalone Redis (or Sentinel): the scripts touch the user and family indexes of a token next to the
 * token, which Redis Cluster would refuse across slots.
 * @publicApi
 */
export class RedisTokenStore implements TokenStore {
  readonly keyPrefix: string;

  constructor(
    readonly redis: Redis,
    options: RedisTokenStoreOptions = {},
  ) {
    this.keyPrefix = options.keyPrefix ?? 'nest-users:token:';
    if (redis.options?.keyPrefix) {
      // ioredis would prefix the keys the store names, but not those its scripts build from them.
      throw new UsersAuthConfigurationError(
        `RedisTokenStore: the ioredis client has keyPrefix "${redis.options.keyPrefix}". Create the client without ` +
          `it and pass the prefix as the store's (or RedisStrategy's) keyPrefix option instead.`,
      );
    }
  }

  /** The key of a token hash. */
  tokenKey(hash: string): string {
    return `${this.keyPrefix}${hash}`;
  }

  /** The set of a user's token hashes. */
  userKey(userId: string): string {
    return `${this.keyPrefix}user:${userId}`;
  }

  /** The set of a refresh-token family's hashes. */
  familyKey(family: string): string {
    return `${this.keyPrefix}family:${family}`;
  }

  async save(token: StoredToken): Promise<void> {
    if (!isTokenHash(token.hash)) {
      throw new TypeError('RedisTokenStore.save: hash must be a non-empty base64url SHA-256 (no ":").');
    }
    const ttl = token.expiresAt.getTime() - Date.now();
    // Already expired: there is nothing to keep (and PX refuses a TTL that is not positive).
    if (!(ttl > 0)) return;
    const family = token.family ?? null;
    const record: TokenRecord = {
      userId: token.userId,
      kind: token.kind,
      expiresAt: token.expiresAt.toISOString(),
      family,
      fingerprint: token.fingerprint ?? null,
    };
    const keys = [this.tokenKey(token.hash), this.userKey(token.userId)];
    if (family !== null) keys.push(this.familyKey(family));
    await this.run(SAVE, keys, [JSON.stringify(record), Math.ceil(ttl), token.hash, this.keyPrefix, PRUNE_SAMPLE]);
  }

  async find(hash: string, kind: TokenKind): Promise<StoredToken | null> {
    if (!isTokenHash(hash)) return null;
    let raw: string | null;
    try {
      raw = await this.redis.get(this.tokenKey(hash));
    } catch (error) {
      throw toRedisStoreError(error);
    }
    if (raw === null) return null;
    const record = JSON.parse(raw) as TokenRecord;
    if (record.spent || record.kind !== kind) return null;
    return toStoredToken(hash, record);
  }

  async spend(hash: string, kind: TokenKind): Promise<{ token: StoredToken; alreadySpent: boolean } | null> {
    if (!isTokenHash(hash)) return null;
    const reply = (await this.run(SPEND, [this.tokenKey(hash)], [kind])) as [string, number] | null;
    if (reply === null) return null;
    const token = toStoredToken(hash, JSON.parse(reply[0]) as TokenRecord);
    if (token === null) return null;
    return { token, alreadySpent: Number(reply[1]) === 1 };
  }

  async delete(hash: string): Promise<void> {
    if (!isTokenHash(hash)) return;
    await this.run(DELETE, [this.tokenKey(hash)], [hash, this.keyPrefix]);
  }

  async deleteFamily(family: string): Promise<void> {
    await this.run(DELETE_INDEX, [this.familyKey(family)], [this.keyPrefix, 'user', 'userId']);
  }

  async deleteUser(userId: string): Promise<void> {
    await this.run(DELETE_INDEX, [this.userKey(userId)], [this.keyPrefix, 'family', 'family']);
  }

  /**
   * Redis expires tokens by itself (TTL), so there are no records to purge: answers 0. It does remove, from every
   * user and family index under this prefix, the hashes whose token has expired (SCAN, then one short script per
   * index); `save` already does so for a few members at a time, so calling this is optional housekeeping.
   */
  async purgeExpired(): Promise<number> {
    try {
      for (const kind of ['user', 'family']) {
        const pattern = `${globEscape(this.keyPrefix)}${kind}:*`;
        let cursor = '0';
        do {
          const [next, keys] = await this.redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
          cursor = next;
          for (const key of keys) await PRUNE_INDEX.run(this.redis, [key], [this.keyPrefix]);
        } while (cursor !== '0');
      }
    } catch (error) {
      throw toRedisStoreError(error);
    }
    return 0;
  }

  private async run(script: Script, keys: string[], args: (string | number)[]): Promise<unknown> {
    try {
      return await script.run(this.redis, keys, args);
    } catch (error) {
      throw toRedisStoreError(error);
    }
  }
}

/**
 * Token hashes are base64url; anything with a ":" could name one of the store's index keys, so it is never a token
 * (`find` answers null, `save` refuses it).
 */
function isTokenHash(hash: string): boolean {
  return typeof hash === 'string' && hash.length > 0 && !hash.includes(':');
}

/** The stored token, or null once `expiresAt` has passed (the TTL may lag by a few milliseconds). */
function toStoredToken(hash: string, record: TokenRecord): StoredToken | null {
  const expiresAt = new Date(record.expiresAt);
  if (!record.kind || !(expiresAt.getTime() > Date.now())) return null;
  return {
    hash,
    userId: record.userId,
    kind: record.kind,
    expiresAt,
    family: record.family ?? null,
    fingerprint: record.fingerprint ?? null,
  };
}
