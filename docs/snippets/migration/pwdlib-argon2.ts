import type { Argon2Parameters } from '@nest-users/core';

/**
 * pwdlib's `Argon2Hasher()` parameters (argon2-cffi's defaults): given as the module's `argon2` option, fastapi-users'
 * argon2id hashes verify and are kept as they are; bcrypt hashes are still rewritten.
 */
export const pwdlibArgon2: Argon2Parameters = { memoryCost: 65536, timeCost: 3, parallelism: 4 };
