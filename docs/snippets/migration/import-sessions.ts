import {
  AccessTokenEntity,
  FastApiUsersAccessTokenEntity,
  importFastApiUsersAccessTokens,
  TypeOrmTokenStore,
} from '@nest-users/typeorm';
import { DataSource } from 'typeorm';
import { User } from './user.entity.js';

// Run once, after the migrations and once fastapi-users no longer writes `accesstoken`.
const dataSource = new DataSource({
  type: 'postgres',
  url: process.env.DATABASE_URL,
  entities: [User, AccessTokenEntity, FastApiUsersAccessTokenEntity],
});
await dataSource.initialize();
const { imported, dropped } = await importFastApiUsersAccessTokens({
  tokens: dataSource.getRepository(FastApiUsersAccessTokenEntity),
  users: dataSource.getRepository(User),
  store: new TypeOrmTokenStore(dataSource.getRepository(AccessTokenEntity)),
  // fastapi-users' DatabaseStrategy(lifetime_seconds=3600)
  lifetimeSeconds: 3600,
});
console.log(`${imported} sessions moved, ${dropped} expired or orphaned rows removed; accesstoken is empty`);
await dataSource.destroy();
