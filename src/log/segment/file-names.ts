/**
 * Names of the files in a partition directory, as Kafka lays them out: `<topic>-<partition>/`
 * holding segments named by their 20-digit base offset (`00000000000000000000.log` and `.index`)
 * and the partition's checkpoint files.
 */
import { assert } from '../../common/errors.js';
import { joinPath } from '../storage/storage.js';

export const LOG_FILE_SUFFIX = '.log';
export const INDEX_FILE_SUFFIX = '.index';
export const LEADER_EPOCH_CHECKPOINT = 'leader-epoch-checkpoint';
export const LOG_START_OFFSET_CHECKPOINT = 'log-start-offset-checkpoint';
export const RECOVERY_POINT_CHECKPOINT = 'recovery-point-offset-checkpoint';
/** Where the log cleaner's next pass starts (Kafka's cleaner-offset-checkpoint, kept per partition here). */
export const CLEANER_OFFSET_CHECKPOINT = 'cleaner-offset-checkpoint';
/** A cleaned segment being written: incomplete until renamed to SWAP_SUFFIX; recovery deletes it. */
export const CLEANED_SUFFIX = '.cleaned';
/** A complete cleaned segment that replaces the segments it covers; recovery finishes the swap. */
export const SWAP_SUFFIX = '.swap';
/** Written by a clean close; its presence on open means no recovery scan is needed. */
export const CLEAN_SHUTDOWN_MARKER = '.kafka_cleanshutdown';

const OFFSET_DIGITS = 20;

export function partitionDirName(topic: string, partition: number): string {
  assert(topic.length > 0 && !topic.includes('/'), `invalid topic name ${JSON.stringify(topic)}`);
  assert(Number.isInteger(partition) && partition >= 0, `invalid partition ${partition}`);
  return `${topic}-${partition}`;
}

export function offsetFileStem(baseOffset: number): string {
  assert(Number.isSafeInteger(baseOffset) && baseOffset >= 0, `invalid base offset ${baseOffset}`);
  return String(baseOffset).padStart(OFFSET_DIGITS, '0');
}

/** `suffix` names a cleaned segment's files while it is written and swapped in. */
export function logFilePath(dir: string, baseOffset: number, suffix = ''): string {
  return joinPath(dir, `${offsetFileStem(baseOffset)}${LOG_FILE_SUFFIX}${suffix}`);
}

export function indexFilePath(dir: string, baseOffset: number, suffix = ''): string {
  return joinPath(dir, `${offsetFileStem(baseOffset)}${INDEX_FILE_SUFFIX}${suffix}`);
}

/** The base offset a segment file name encodes, or undefined if `name` is not one. */
export function parseSegmentFileName(name: string, suffix: string): number | undefined {
  if (!name.endsWith(suffix)) return undefined;
  const stem = name.slice(0, -suffix.length);
  if (stem.length !== OFFSET_DIGITS || !/^\d+$/.test(stem)) return undefined;
  const value = Number(stem);
  return Number.isSafeInteger(value) ? value : undefined;
}
