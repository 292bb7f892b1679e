import { JwtAuthentication } from '@nest-users/core';

export const jwt = new JwtAuthentication({
  name: 'jwt',
  algorithm: 'ES256', // or RS256 (keys of 2048 bits or more), EdDSA (Ed25519)
  lifetimeSeconds: 900,
  fingerprintSecret: process.env.JWT_FINGERPRINT_SECRET, // the same on every instance; see below
  keys: [
    { kid: '2026-11', privateKey: process.env.JWT_KEY_2026_11 }, // signs (the first key with a private key)
    { kid: '2026-10', publicKey: process.env.JWT_PUB_2026_10 }, // still verifies the tokens it signed
  ],
});
