export { AccessTokenEntity } from './access-token.entity.js';
export { BaseUserEntity, BaseUserEntityInt, BaseUserEntityUUID } from './base-user.entity.js';
export { DatabaseStrategy } from './database.strategy.js';
export { isConnectionFailure, withDatabaseOutage } from './store-unavailable.util.js';
export { TypeOrmTokenStore } from './typeorm-token.store.js';
export { isUniqueViolation, TypeOrmUserRepository, type TypeOrmUserRepositoryOptions } from './typeorm-user.repository.js';
export { OAuthAccountEntity } from './oauth-account.entity.js';
export { UsersAuthTypeOrmModule } from './users-auth-typeorm.module.js';
export { FastApiUsersAccessTokenEntity } from './fastapi-users/fastapi-users-access-token.entity.js';
export { FastApiUsersUserEntity, FastApiUsersUserEntityWithSecurityStamp } from './fastapi-users/fastapi-users-user.entity.js';
export {
  importFastApiUsersAccessTokens,
  type FastApiUsersTokenImportOptions,
  type FastApiUsersTokenImportResult,
} from './fastapi-users/import-access-tokens.util.js';
