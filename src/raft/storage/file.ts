/**
 * Raft storage in a directory of its own:
 * - `raft.log`: the entries after the snapshot, CRC-framed, fsynced per group of appends;
 * - `hardstate`: term, vote and commit, replaced atomically (temp file, fsync, rename, dir fsync);
 * - `snapshot`: the latest snapshot, replaced the same way, after which the log is rewritten
 *   without the entries it covers.
 * Recovery cuts a torn log tail and refuses to start if the hard state claims entries committed
 * that the log no longer holds: that node would otherwise forget acknowledged writes.
 */
import { mkdir } from 'node:fs/promises';
import { assert, errors } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import type { Entry, HardState, RaftInitialState, RaftStorage, Snapshot } from '../types.js';
import { CoalescingWriter } from './coalescing-writer.js';
import { readDurableFile, removeTempFile, writeDurableFile } from './durable-file.js';
import { RaftLogFile } from './log-file.js';
import { EMPTY_HARD_STATE } from './memory.js';
import { decodeHardState, decodeSnapshot, encodeHardState, encodeSnapshot } from './state-codec.js';

const HARD_STATE_FILE = 'hardstate';
const SNAPSHOT_FILE = 'snapshot';

export interface FileRaftStorageOptions {
  logger?: Logger;
}

export class FileRaftStorage implements RaftStorage {
  private log: RaftLogFile | undefined;
  private snapshotIndex = 0;
  /** Saving a snapshot writes a file and then compacts the log; one at a time, in order. */
  private snapshotChain: Promise<void> = Promise.resolve();
  private readonly hardStateWriter: CoalescingWriter<HardState>;

  constructor(
    readonly dir: string,
    private readonly options: FileRaftStorageOptions = {},
  ) {
    this.hardStateWriter = new CoalescingWriter((state) => writeDurableFile(this.dir, HARD_STATE_FILE, encodeHardState(state)));
  }

  async load(): Promise<RaftInitialState> {
    assert(!this.log, 'raft storage loaded twice');
    await mkdir(this.dir, { recursive: true });
    await removeTempFile(this.dir, HARD_STATE_FILE);
    await removeTempFile(this.dir, SNAPSHOT_FILE);
    const hardStateBytes = await readDurableFile(this.dir, HARD_STATE_FILE);
    const hardState = hardStateBytes ? decodeHardState(hardStateBytes) : EMPTY_HARD_STATE;
    const snapshotBytes = await readDurableFile(this.dir, SNAPSHOT_FILE);
    const snapshot = snapshotBytes ? decodeSnapshot(snapshotBytes) : undefined;
    this.snapshotIndex = snapshot?.meta.index ?? 0;
    const { log, entries } = await RaftLogFile.open(this.dir, snapshot?.meta ?? { index: 0, term: 0 }, this.options.logger);
    this.log = log;
    const lastIndex = Math.max(log.lastIndex(), this.snapshotIndex);
    if (hardState.commit > lastIndex) {
      await log.close();
      throw errors.kafkaStorageError(`hard state commit ${hardState.commit} is beyond the recovered log (last index ${lastIndex})`);
    }
    this.options.logger?.info({ term: hardState.term, commit: hardState.commit, snapshotIndex: this.snapshotIndex, lastIndex }, 'raft storage loaded');
    return { hardState, ...(snapshot ? { snapshot } : {}), entries };
  }

  append(entries: readonly Entry[]): Promise<void> {
    return this.openLog().append(entries);
  }

  setHardState(state: HardState): Promise<void> {
    this.openLog();
    return this.hardStateWriter.write({ term: state.term, vote: state.vote, commit: state.commit });
  }

  saveSnapshot(snapshot: Snapshot): Promise<void> {
    const log = this.openLog();
    const saved = this.snapshotChain.then(async () => {
      assert(snapshot.meta.index >= this.snapshotIndex, `snapshot at ${snapshot.meta.index} is older than the saved ${this.snapshotIndex}`);
      await writeDurableFile(this.dir, SNAPSHOT_FILE, encodeSnapshot(snapshot));
      this.snapshotIndex = snapshot.meta.index;
      await log.compact(snapshot.meta.index, snapshot.meta.term);
    });
    this.snapshotChain = saved.catch(() => undefined);
    return saved;
  }

  async close(): Promise<void> {
    const log = this.log;
    if (!log) return;
    await this.snapshotChain;
    await this.hardStateWriter.idle();
    await log.close();
    this.log = undefined;
  }

  private openLog(): RaftLogFile {
    assert(this.log, 'raft storage used before load() or after close()');
    return this.log;
  }
}
