import { AuthenticationBackend, CookieTransport, JwtStrategy } from '@nest-users/core';

export const cookie = new AuthenticationBackend({
  name: 'cookie',
  transport: new CookieTransport({
    cookieName: 'nest-users-auth', // sent as __Host-nest-users-auth
    cookieMaxAge: 3600, // without it, a session cookie
    cookieSecure: true,
    cookieHttpOnly: true,
    cookieSameSite: 'lax',
    csrfProtection: true,
    trustedOrigins: ['https://app.example.com'], // a front end on another origin that may send state changes
  }),
  strategy: new JwtStrategy({ secret: process.env.JWT_SECRET!, lifetimeSeconds: 3600 }),
});
