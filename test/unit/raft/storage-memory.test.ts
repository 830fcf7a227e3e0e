import { MemoryRaftStorage } from '../../../src/raft/storage/index.js';
import { describeRaftStorageContract } from './storage-contract.js';

describeRaftStorageContract('MemoryRaftStorage', async () => {
  const storage = new MemoryRaftStorage();
  return {
    storage,
    async reopen() {
      // A restart in the simulation: the same memory, loaded again.
      await storage.close();
      storage.reopen();
      return storage;
    },
  };
});
