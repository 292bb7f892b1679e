import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import { UsersAuthConfigurationError } from '../errors/configuration.errors.js';

/** Where a ciphertext belongs: it decrypts only for the same provider account and field. */
export interface OAuthTokenContext {
  oauthName: string;
  accountId: string;
  field: 'accessToken' | 'refreshToken';
}

const VERSION = 'v1';
const MIN_KEY_LENGTH = 32;

interface DerivedKey {
  id: string;
  key: Buffer;
}

/**
 * Encrypts provider tokens before they reach the `UserRepository` (AES-256-GCM from node:crypto, a fresh 96-bit IV
 * per value). Each configured key (at least 32 characters, e.g. `openssl rand -base64 32`) is stretched with
 * HKDF-SHA256; the first encrypts, every one decrypts, so keys rotate by putting the new one first. The provider
 * name, account id and field are authenticated with the ciphertext: a value copied to another row or column does not
 * decrypt. Stored form: `v1.<key id>.<iv>.<ciphertext+tag>` (base64url).
 * @publicApi
 */
export class OAuthTokenCipher {
  private readonly keys: readonly DerivedKey[];

  /** @throws UsersAuthConfigurationError without a key, or with a key shorter than 32 characters */
  constructor(keys: string | readonly string[]) {
    const list = typeof keys === 'string' ? [keys] : [...keys];
    if (list.length === 0) throw new UsersAuthConfigurationError('OAuthTokenCipher: give at least one key.');
    this.keys = list.map((secret, index) => {
      if (typeof secret !== 'string' || secret.length < MIN_KEY_LENGTH) {
        throw new UsersAuthConfigurationError(
          `OAuthTokenCipher: key ${index} is shorter than ${MIN_KEY_LENGTH} characters; make one with ` +
            '`openssl rand -base64 32` and keep it with your other secrets.',
        );
      }
      const key = Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), 'nest-users:oauth-token:v1', 32));
      return { key, id: createHash('sha256').update(key).digest('base64url').slice(0, 8) };
    });
  }

  encrypt(plaintext: string, context: OAuthTokenContext): string {
    const { id, key } = this.keys[0]!;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(associatedData(id, context));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return [VERSION, id, iv.toString('base64url'), body.toString('base64url')].join('.');
  }

  /** The token, or `null` when the value is not ours, was made with an unknown key, or belongs elsewhere. */
  decrypt(stored: string, context: OAuthTokenContext): string | null {
    const [version, id, iv, body, ...rest] = stored.split('.');
    if (version !== VERSION || rest.length > 0 || !id || !iv || !body) return null;
    const derived = this.keys.find((candidate) => candidate.id === id);
    if (!derived) return null;
    try {
      const bytes = Buffer.from(body, 'base64url');
      if (bytes.length < 16) return null;
      const decipher = createDecipheriv('aes-256-gcm', derived.key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(associatedData(id, context));
      decipher.setAuthTag(bytes.subarray(bytes.length - 16));
      return Buffer.concat([decipher.update(bytes.subarray(0, bytes.length - 16)), decipher.final()]).toString('utf8');
    } catch {
      return null;
    }
  }
}

function associatedData(keyId: string, { oauthName, accountId, field }: OAuthTokenContext): Buffer {
  return Buffer.from(JSON.stringify([VERSION, keyId, oauthName, accountId, field]));
}
