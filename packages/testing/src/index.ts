export { InMemoryTokenStore } from './in-memory-token.store.js';
export { InMemoryUserRepository } from './in-memory-user.repository.js';
export { describeTokenStoreContract, type TokenStoreContractFixture } from './token-store.contract.js';
export {
  describeUserRepositoryContract,
  type ContractUser,
  type UserRepositoryContractFixture,
} from './user-repository.contract.js';
export {
  b64json,
  forgeHmac,
  forgeSigned,
  makeTestUser,
  now,
  opensshPublicKey,
  PRIVATE_JWK_MEMBERS,
  publicKeyAsSecrets,
  rawPublicKey,
  signature,
  testKeyPair,
  userLookup,
  withSignature,
  type AsymmetricAlgorithm,
  type KeyPair,
} from './jwt-forge.js';
