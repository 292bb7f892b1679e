import { StoredTokenStrategy, type StoredTokenStrategyOptions, type UserProtocol } from '@nest-users/core';
import type { Repository } from 'typeorm';
import type { AccessTokenEntity } from './access-token.entity.js';
import { TypeOrmTokenStore } from './typeorm-token.store.js';

/**
 * fastapi-users' `DatabaseStrategy`: opaque tokens whose SHA-256 lives in the `access_token` table, revoked at logout.
 * @publicApi
 */
export class DatabaseStrategy<U extends UserProtocol<ID>, ID = U['id']> extends StoredTokenStrategy<U, ID> {
  constructor(repository: Repository<AccessTokenEntity>, options: StoredTokenStrategyOptions) {
    super(new TypeOrmTokenStore(repository), options);
  }
}
