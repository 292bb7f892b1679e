/**
 * `RATE_LIMIT`: `on` (the default, also when empty) or `off`, for load tests and benchmarks that send many requests
 * from one address; any other value is refused at startup rather than guessed.
 */
export function parseRateLimit(value: string | undefined): boolean {
  const setting = (value || 'on').trim().toLowerCase();
  if (setting !== 'on' && setting !== 'off') throw new Error(`RATE_LIMIT must be "on" or "off", not "${value}".`);
  return setting === 'on';
}
