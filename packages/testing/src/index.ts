export { InMemoryTokenStore } from './in-memory-token.store.js';
export { InMemoryUserRepository } from './in-memory-user.repository.js';
export { describeTokenStoreContract, type TokenStoreContractFixture } from './token-store.contract.js';
export {
  describeUserRepositoryContract,
  type ContractUser,
  type UserRepositoryContractFixture,
} from './user-repository.contract.js';
