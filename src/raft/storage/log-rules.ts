/**
 * Rules both storages enforce on the log they keep, so the memory and file implementations cannot
 * drift apart: appends are contiguous and never leave a gap, and a snapshot keeps only the entries
 * that follow it and agree with it.
 */
import { assert } from '../../common/errors.js';
import type { Entry, Snapshot } from '../types.js';

/**
 * Checks an append against a log holding [firstIndex, lastIndex] (lastIndex = firstIndex - 1 when
 * empty): the batch must be contiguous, must not start inside the snapshot, and must not leave a gap.
 */
export function checkAppendable(entries: readonly Entry[], firstIndex: number, lastIndex: number): void {
  const first = entries[0]!.index;
  assert(first >= firstIndex, `append at ${first} reaches into the snapshot (log starts at ${firstIndex})`);
  assert(first <= lastIndex + 1, `append at ${first} would leave a gap after ${lastIndex}`);
  for (let i = 1; i < entries.length; i++) {
    assert(entries[i]!.index === first + i, `appended entries are not contiguous at ${first + i}`);
  }
}

/**
 * The entries that survive a snapshot: those after its index, but only if the log agrees with the
 * snapshot at that index. A log that disagrees (or is too short) is a stale branch: drop it all.
 */
export function entriesAfterSnapshot(entries: readonly Entry[], snapshot: Snapshot): Entry[] {
  const { index, term } = snapshot.meta;
  const at = entries.findIndex((e) => e.index === index);
  if (at < 0 || entries[at]!.term !== term) {
    // Entries already wholly after the snapshot with no overlap cannot be checked against it.
    return entries.length > 0 && entries[0]!.index === index + 1 ? [...entries] : [];
  }
  return entries.slice(at + 1);
}
