import { describeUserRepositoryContract, type ContractUser } from '@nest-users/testing/contracts';
import { MapUserRepository } from './map-user.repository.js';

// Registers the whole UserRepository contract (vitest): setup runs before every case and gives an empty store.
describeUserRepositoryContract('MapUserRepository', async () => {
  const repository = new MapUserRepository<ContractUser>();
  return {
    repository,
    // Read from the store itself, not through the methods under test (SQL: SELECT COUNT(*) FROM "user").
    count: async () => repository.size,
    teardown: async () => {}, // close connections, drop the schema or the file
    customFields: true, // the store keeps the contract's nullable `firstName` column
  };
});
