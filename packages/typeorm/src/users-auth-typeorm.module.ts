import { UserRepository } from '@nest-users/core';
import { Module, type DynamicModule } from '@nestjs/common';
import { getRepositoryToken, TypeOrmModule } from '@nestjs/typeorm';
import type { DataSource, DataSourceOptions, Repository } from 'typeorm';
import { TypeOrmUserRepository } from './typeorm-user.repository.js';

type EntityClassOrSchema = NonNullable<Parameters<typeof TypeOrmModule.forFeature>[0]>[number];

/**
 * Provides the `UserRepository` for an entity: pass `UsersAuthTypeOrmModule.forFeature(User)` in the `imports` of
 * `UsersAuthModule.forRoot`.
 * @publicApi
 */
@Module({})
export class UsersAuthTypeOrmModule {
  static forFeature(entity: EntityClassOrSchema, dataSource?: DataSource | DataSourceOptions | string): DynamicModule {
    return {
      module: UsersAuthTypeOrmModule,
      imports: [TypeOrmModule.forFeature([entity], dataSource)],
      providers: [
        {
          provide: UserRepository,
          inject: [getRepositoryToken(entity, dataSource)],
          useFactory: (repository: Repository<any>) => new TypeOrmUserRepository(repository),
        },
      ],
      exports: [UserRepository],
    };
  }
}
