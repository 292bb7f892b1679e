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
