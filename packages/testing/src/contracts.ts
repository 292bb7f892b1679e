/**
 * The contract suites every adapter passes (`@nest-users/testing/contracts`). They register Vitest suites, so this
 * entry imports `vitest`: import it from spec files only.
 */
export { describeTokenStoreContract, type TokenStoreContractFixture } from './token-store.contract.js';
export {
  describeUserRepositoryContract,
  type ContractUser,
  type UserRepositoryContractFixture,
} from './user-repository.contract.js';
