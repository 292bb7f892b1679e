import { InMemoryTokenStore } from './in-memory-token.store.js';
import { describeTokenStoreContract } from './token-store.contract.js';

describeTokenStoreContract('in-memory', async () => {
  const store = new InMemoryTokenStore();
  return { store, dump: async () => store.records(), teardown: async () => store.clear() };
});
