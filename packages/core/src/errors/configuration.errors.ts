import { UsersAuthError } from './users-auth.error.js';

/** A setup mistake found at startup; the message says how to fix it. @publicApi */
export class UsersAuthConfigurationError extends UsersAuthError {}

/** @publicApi */
export class DuplicateBackendNameError extends UsersAuthConfigurationError {
  constructor(readonly backendName: string) {
    super(
      `Two authentication backends are named "${backendName}". Backend names become routes ` +
        `(/auth/${backendName}/login), passport strategy names and Swagger schemes, so each must be unique: ` +
        `pass a distinct \`name\` to each backend.`,
    );
  }
}
