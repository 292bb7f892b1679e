import { UsersAuthError } from './users-auth.error.js';

/** A transport that cannot log out (bearer tokens live in the client); the backend answers 204 anyway. */
export class TransportLogoutNotSupportedError extends UsersAuthError {
  constructor() {
    super('This transport has no logout response.');
  }
}

/** A strategy whose tokens cannot be destroyed (stateless JWTs); the backend ignores it on logout. */
export class StrategyDestroyNotSupportedError extends UsersAuthError {
  constructor() {
    super('This strategy cannot destroy tokens.');
  }
}
