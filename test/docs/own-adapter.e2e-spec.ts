// The adapter docs/configuration/databases/own-adapter.md walks through must pass the contract it tells readers to
// run: the same suite as docs/snippets/.../map-user.repository.spec.ts registers, run here against the snippet.
import { describeUserRepositoryContract, type ContractUser } from '@nest-users/testing/contracts';
import { MapUserRepository } from '../../docs/snippets/configuration/databases/own-adapter/map-user.repository.js';

describeUserRepositoryContract('the own-adapter guide (MapUserRepository)', async () => {
  const repository = new MapUserRepository<ContractUser>();
  return { repository, count: async () => repository.size, teardown: async () => {}, customFields: true };
});
