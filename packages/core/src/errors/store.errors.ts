import { UsersAuthError } from './users-auth.error.js';

/**
 * The database, Redis or another store did not answer (down, timed out, pool exhausted). Adapters throw it so the
 * library can answer 503 with `Retry-After` instead of 500, and never mistake an outage for a bad token (401).
 * @publicApi
 */
export class StoreUnavailableError extends UsersAuthError {
  constructor(
    readonly store: string,
    override readonly cause?: unknown,
  ) {
    super(`${store} is unavailable.`);
  }
}
