import { describe, expect, it } from 'vitest';
import { UsersAuthConfigurationError } from '../errors/configuration.errors.js';
import type { UsersAuthRateLimitOptions } from '../interfaces/rate-limit-options.interface.js';
import { DEFAULT_RATE_LIMITS, resolveRateLimit } from './rate-limit.defaults.js';

describe('resolveRateLimit', () => {
  it('is on with the defaults unless turned off', () => {
    for (const option of [undefined, true, {}])
      expect(resolveRateLimit(option)).toEqual({ enabled: true, storage: undefined, limits: DEFAULT_RATE_LIMITS });
    expect(resolveRateLimit(false)).toEqual({ enabled: false });
  });

  it('merges a route given counter by counter over its defaults', () => {
    const { limits } = resolveRateLimit({ limits: { login: { email: false, address: { limit: 100, windowSeconds: 10 } } } }) as {
      limits: typeof DEFAULT_RATE_LIMITS;
    };
    expect(limits.login).toEqual({
      address: { limit: 100, windowSeconds: 10 },
      addressAndEmail: DEFAULT_RATE_LIMITS.login.addressAndEmail,
      email: false,
    });
    expect(limits.register).toEqual(DEFAULT_RATE_LIMITS.register);
  });

  it.each([
    [{ limits: { logn: {} } }, /unknown route "logn"/],
    [{ limits: { login: { ip: { limit: 1, windowSeconds: 1 } } } }, /unknown counter "login.ip"/],
    [{ limits: { login: { email: { limit: 0, windowSeconds: 60 } } } }, /"login.email" must be false or/],
    [{ limits: { login: { email: { limit: 1.5, windowSeconds: 60 } } } }, /"login.email"/],
    [{ limits: { verify: { address: { limit: 5, windowSeconds: -1 } } } }, /"verify.address"/],
    [{ limits: { verify: { address: { limit: 5, windowSeconds: 60, blockSeconds: 0 } } } }, /"verify.address"/],
    [{ limits: { verify: { address: true } } }, /"verify.address"/],
  ])('refuses %j at startup', (option, message) => {
    const resolve = () => resolveRateLimit(option as unknown as UsersAuthRateLimitOptions);
    expect(resolve).toThrow(UsersAuthConfigurationError);
    expect(resolve).toThrow(message);
  });
});
