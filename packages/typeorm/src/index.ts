export { BaseUserEntity, BaseUserEntityInt, BaseUserEntityUUID } from './base-user.entity.js';
export { canonicalEmail } from './canonical-email.util.js';
export { isUniqueViolation, TypeOrmUserRepository } from './typeorm-user.repository.js';
export { UsersAuthTypeOrmModule } from './users-auth-typeorm.module.js';
