/**
 * Makes the directories and first segment files of partitions new to this broker on libuv's
 * thread pool, before the log opens them on the event loop.
 *
 * Creating a file or a directory waits for the filesystem journal, and while other processes on
 * the machine fsync (Raft, flushed logs, checkpoints) that wait grows from microseconds to
 * milliseconds. Opening a topic of thousands of partitions then held a broker's event loop for
 * seconds, long enough for its session with the controller to expire. Made here, the files only
 * have to be opened (no journal) when `openPartitionLog` finds them: a directory holding nothing but
 * the empty files of the segment at offset 0 is a new partition (see `isNewPartitionDir`).
 *
 * A directory that already exists is left alone (the partition has data from an earlier life), and
 * a failure here is not an error: the log then makes what is missing itself, the slow way, and
 * reports any real problem there.
 */
import { mkdir, open } from 'node:fs/promises';
import { partitionLogDir } from '../open-log.js';
import { indexFilePath, logFilePath } from '../segment/file-names.js';

/** Filesystem calls in flight at once: enough to keep the thread pool busy, not to flood it. */
const CONCURRENCY = 8;

export async function preparePartitionDirs(dataDir: string, partitions: ReadonlyArray<{ topic: string; partition: number }>): Promise<void> {
  await mkdir(dataDir, { recursive: true }).catch(() => undefined);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < partitions.length) {
      const { topic, partition } = partitions[next++]!;
      await prepareOne(partitionLogDir(dataDir, topic, partition));
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, partitions.length) }, worker));
}

async function prepareOne(dir: string): Promise<void> {
  try {
    await mkdir(dir);
  } catch {
    return; // Already there (an existing partition), or the log will report what is wrong.
  }
  for (const path of [logFilePath(dir, 0), indexFilePath(dir, 0)]) {
    try {
      await (await open(path, 'wx')).close();
    } catch {
      return;
    }
  }
}
