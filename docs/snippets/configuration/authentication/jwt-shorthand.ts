import { AuthenticationBackend, BearerTransport, JwtAuthentication, JwtStrategy } from '@nest-users/core';

const secret = process.env.JWT_SECRET!;

// These two backends are the same thing.
export const short = new JwtAuthentication({ secret, lifetimeSeconds: 3600 });
export const long = new AuthenticationBackend({
  name: 'jwt',
  transport: new BearerTransport(),
  strategy: new JwtStrategy({ secret, lifetimeSeconds: 3600 }),
});
