import { randomBytes, randomUUID } from 'node:crypto';
import jsonwebtoken from 'jsonwebtoken';
import { describe, expect, it } from 'vitest';
import { JwtAuthentication } from '../backend/jwt-authentication.js';
import { UsersAuthConfigurationError } from '../errors/configuration.errors.js';
import type { UsersAuthModuleOptions } from '../interfaces/users-auth-module-options.interface.js';
import { UserTokens } from './user-tokens.js';

const user = {
  id: randomUUID(),
  email: 'ada@example.com',
  hashedPassword: '$argon2id$v=19$m=19456,t=2,p=1$x$y',
  isActive: true,
  isSuperuser: false,
  isVerified: false,
};
const backends = [new JwtAuthentication({ secret: randomBytes(32), lifetimeSeconds: 60 })];
const setup = (options: Partial<UsersAuthModuleOptions> = {}) => new UserTokens({ backends, ...options });

describe('UserTokens', () => {
  it('derives verify and reset keys of their own by default, with 1 h lifetimes and their audiences', () => {
    const tokens = setup();
    const verify = jsonwebtoken.decode(tokens.createVerifyToken(user)) as jsonwebtoken.JwtPayload;
    const reset = jsonwebtoken.decode(tokens.createResetToken(user)) as jsonwebtoken.JwtPayload;
    expect(verify).toMatchObject({ sub: user.id, email: user.email, aud: 'nest-users:verify' });
    expect(reset).toMatchObject({ sub: user.id, aud: 'nest-users:reset', pfp: expect.any(String) });
    expect(verify.exp! - verify.iat!).toBe(3600);
    expect(reset.exp! - reset.iat!).toBe(3600);
    expect(tokens.readVerifyToken(tokens.createResetToken(user))).toBeNull();
    expect(tokens.readResetToken(tokens.createVerifyToken(user))).toBeNull();
  });

  it('uses separate secrets, lifetimes and audiences when given', () => {
    const verifySecret = randomBytes(32);
    const resetSecret = randomBytes(32);
    const tokens = setup({
      verifyToken: { secret: verifySecret, lifetimeSeconds: 600, audience: 'my-app:verify' },
      resetPasswordToken: { secret: resetSecret, lifetimeSeconds: 900 },
    });
    const verify = tokens.createVerifyToken(user);
    const reset = tokens.createResetToken(user);
    expect(jsonwebtoken.verify(verify, verifySecret, { audience: 'my-app:verify' })).toMatchObject({ email: user.email });
    expect(() => jsonwebtoken.verify(reset, verifySecret)).toThrow();
    const resetClaims = jsonwebtoken.verify(reset, resetSecret, { audience: 'nest-users:reset' }) as jsonwebtoken.JwtPayload;
    expect(resetClaims.exp! - resetClaims.iat!).toBe(900);
    expect(tokens.readVerifyToken(verify)).toEqual({ sub: user.id, email: user.email, sfp: expect.any(String) });
    expect(tokens.resetTokenMatches(tokens.readResetToken(reset)!.pfp, user)).toBe(true);
    expect(tokens.resetTokenMatches(tokens.readResetToken(reset)!.pfp, { ...user, hashedPassword: 'changed' })).toBe(false);
    // Tokens of the default (derived) keys mean nothing under explicit ones.
    expect(tokens.readVerifyToken(setup().createVerifyToken(user))).toBeNull();
  });

  it('refuses short secrets and bad lifetimes at startup', () => {
    expect(() => setup({ resetPasswordToken: { secret: 'short' } })).toThrow(UsersAuthConfigurationError);
    expect(() => setup({ verifyToken: { lifetimeSeconds: 0 } })).toThrow(UsersAuthConfigurationError);
    expect(() => setup({ verifyToken: { lifetimeSeconds: 1.5 } })).toThrow(UsersAuthConfigurationError);
  });
});
