/**
 * `@nest-users/testing`: in-memory stand-ins for an app's own tests, with no test runner imported. The contract
 * suites live at `@nest-users/testing/contracts` and the JWT forging helpers at `@nest-users/testing/jwt` (both import
 * `vitest`); test databases at `/typeorm` and `/redis`.
 */
export { InMemoryTokenStore } from './in-memory-token.store.js';
export { InMemoryUserRepository } from './in-memory-user.repository.js';
