/**
 * Finishing what a crash interrupted in the cleaner, before a log's segments are loaded (Kafka's
 * LogLoader does the same with its .cleaned and .swap files):
 * - `.cleaned` files were still being written: the old segments are intact, so they go;
 * - a `<base>.log.swap` is a complete cleaned segment: every old segment whose base offset lies in
 *   [base, the swap's end) is deleted and the swap takes the name `<base>.log` (its index too when
 *   its `.index.swap` survived; otherwise loading rebuilds the index);
 * - an `.index.swap` without its log belongs to a swap that never committed: it goes.
 */
import type { Logger } from '../../common/logger.js';
import { recoverSegment } from '../recovery/segment-recovery.js';
import { CLEANED_SUFFIX, INDEX_FILE_SUFFIX, LOG_FILE_SUFFIX, SWAP_SUFFIX, indexFilePath, logFilePath, parseSegmentFileName } from '../segment/file-names.js';
import { LogSegment, type SegmentSettings } from '../segment/log-segment.js';
import { joinPath, type Storage } from '../storage/storage.js';

/** Returns the directory's file names after the cleanup (unchanged when there was nothing to do). */
export function finishInterruptedCleaning(storage: Storage, dir: string, names: string[], settings: SegmentSettings, logger: Logger | undefined): string[] {
  const leftovers = names.filter((n) => n.endsWith(CLEANED_SUFFIX) || n.endsWith(SWAP_SUFFIX));
  if (leftovers.length === 0) return names;
  for (const name of leftovers) if (name.endsWith(CLEANED_SUFFIX)) storage.remove(joinPath(dir, name));

  const swaps = leftovers.map((n) => parseSegmentFileName(n.slice(0, -SWAP_SUFFIX.length), LOG_FILE_SUFFIX)).filter((b): b is number => b !== undefined);
  for (const base of swaps) {
    const swapped = LogSegment.open(storage, dir, base, settings, SWAP_SUFFIX);
    let end: number;
    try {
      end = recoverSegment(swapped, () => undefined).nextOffset;
    } finally {
      swapped.close();
    }
    const replaced = names.map((n) => parseSegmentFileName(n, LOG_FILE_SUFFIX)).filter((b): b is number => b !== undefined && b >= base && b < end);
    for (const old of replaced) {
      storage.remove(logFilePath(dir, old));
      storage.remove(indexFilePath(dir, old));
    }
    storage.syncDir(dir);
    if (storage.exists(indexFilePath(dir, base, SWAP_SUFFIX))) storage.rename(indexFilePath(dir, base, SWAP_SUFFIX), indexFilePath(dir, base));
    storage.rename(logFilePath(dir, base, SWAP_SUFFIX), logFilePath(dir, base));
    logger?.warn({ segment: base, replaced }, 'finished swapping in a cleaned segment after a crash');
  }
  for (const name of storage.list(dir)) {
    const orphanIndexSwap = name.endsWith(`${INDEX_FILE_SUFFIX}${SWAP_SUFFIX}`);
    if (orphanIndexSwap) storage.remove(joinPath(dir, name));
  }
  storage.syncDir(dir);
  return storage.list(dir);
}
