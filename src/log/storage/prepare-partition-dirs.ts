/**
 * Makes the directories and first segment files of partitions new to this broker on libuv's
 * thread pool, before the log opens them on the event loop.
 *
 * Creating a file or a directory waits for the filesystem journal, and while other processes on
 * the machine fsync (Raft, flushed logs, checkpoints) that wait grows from microseconds to
 * milliseconds. Opening a topic of thousands of partitions then held a broker's event loop for
 * seconds, long enough for its session with the controller to expire. Made here, the files only
 * have to be opened (no journal) when the log opens with `isNew` (see `openPartitionLog`).
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

/**
 * Makes what is missing; returns the directories it made whole: each holds nothing but the empty
 * files of the segment at offset 0.
 */
export async function preparePartitionDirs(dataDir: string, partitions: ReadonlyArray<{ topic: string; partition: number }>): Promise<string[]> {
  await mkdir(dataDir, { recursive: true }).catch(() => undefined);
  const made: string[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < partitions.length) {
      const { topic, partition } = partitions[next++]!;
      const dir = partitionLogDir(dataDir, topic, partition);
      if (await prepareOne(dir)) made.push(dir);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, partitions.length) }, worker));
  return made;
}

async function prepareOne(dir: string): Promise<boolean> {
  try {
    await mkdir(dir);
    for (const path of [logFilePath(dir, 0), indexFilePath(dir, 0)]) await (await open(path, 'wx')).close();
    return true;
  } catch {
    return false; // Already there (an existing partition), or the log will report what is wrong.
  }
}
