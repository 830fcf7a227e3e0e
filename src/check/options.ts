/**
 * What a topic's cleanup policy may legitimately remove, so that the checker tells it apart from
 * loss. Without options nothing may vanish: every acknowledged or read value must be in the final
 * log, as on a topic whose retention never comes due in a run.
 */
import type { KeyOf } from './final-log.js';

export interface CheckOptions {
  /**
   * cleanup.policy contains `delete`: retention deletes whole segments below the high watermark,
   * so a record below its partition's final log start offset may be gone.
   */
  readonly retention?: boolean;
  /**
   * cleanup.policy contains `compact`: the cleaner keeps only the latest record of each key, so a
   * record may be gone once the log holds a record of its key at a higher offset (and only then).
   * `keyOf` must be the function the producers keyed their records with.
   */
  readonly compaction?: { readonly keyOf: KeyOf };
}

/**
 * Whether the cleanup policy explains that the record `value` at `offset` is no longer in a log
 * starting at `logStartOffset` that holds a record of the same key above `offset` when
 * `hasLaterOfKey` says so.
 */
export function removedByCleanup(options: CheckOptions, offset: number, logStartOffset: number, hasLaterOfKey: () => boolean): boolean {
  if (options.retention && offset < logStartOffset) return true;
  return options.compaction !== undefined && hasLaterOfKey();
}
