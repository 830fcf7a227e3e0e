/** What a node process keeps on disk for a partition, read directly from its data directory. */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Bytes of the partition's segment files (`.log`) in one node's data directory. */
export function segmentBytesOnDisk(dataDir: string, topic: string, partition = 0): number {
  const dir = join(dataDir, 'logs', `${topic}-${partition}`);
  return readdirSync(dir)
    .filter((name) => name.endsWith('.log'))
    .reduce((sum, name) => sum + statSync(join(dir, name)).size, 0);
}
