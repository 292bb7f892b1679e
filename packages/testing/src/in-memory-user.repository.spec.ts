import { CachedUserRepository } from '@nest-users/core';
import { InMemoryUserRepository } from './in-memory-user.repository.js';
import { describeUserRepositoryContract, type ContractUser } from './user-repository.contract.js';

describeUserRepositoryContract('in-memory', async () => {
  const repository = new InMemoryUserRepository<ContractUser>();
  return {
    repository,
    count: async () => repository.size,
    teardown: async () => repository.clear(),
    customFields: true,
  };
});

// The user cache passes the OAuth methods through (linking changes no cached field), so OAuth works with it on.
describeUserRepositoryContract('in-memory behind CachedUserRepository', async () => {
  const inner = new InMemoryUserRepository<ContractUser>();
  return {
    repository: new CachedUserRepository(inner, { ttlSeconds: 60 }),
    count: async () => inner.size,
    teardown: async () => inner.clear(),
    customFields: true,
  };
});
