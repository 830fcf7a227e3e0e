/** What a node process keeps on disk for a partition, read directly from its data directory. */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Bytes of the partition's segment files (`.log`) in one node's data directory. The broker may
 * delete a segment between the listing and its `stat` (retention runs while tests read), so a
 * file that vanished counts as the zero bytes it now holds.
 */
export function segmentBytesOnDisk(dataDir: string, topic: string, partition = 0): number {
  const dir = join(dataDir, 'logs', `${topic}-${partition}`);
  return readdirSync(dir)
    .filter((name) => name.endsWith('.log'))
    .reduce((sum, name) => sum + (statSync(join(dir, name), { throwIfNoEntry: false })?.size ?? 0), 0);
}
