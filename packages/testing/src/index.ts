export { InMemoryUserRepository } from './in-memory-user.repository.js';
export {
  describeUserRepositoryContract,
  type ContractUser,
  type UserRepositoryContractFixture,
} from './user-repository.contract.js';
