/**
 * The Raft log as one append-only file of CRC-framed entries (see log-frame.ts), with the byte
 * position and term of every entry kept in memory so a conflicting suffix is cut with one
 * `ftruncate` instead of a scan.
 *
 * Writes go through a single queue: every append waiting while an fsync runs is written by the
 * next round and shares its fsync (group commit). A promise resolves only after its bytes are
 * durable. After an I/O error the log refuses all further work: memory may be ahead of the disk.
 */
import { open, readFile, rename, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { errors } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import type { Entry } from '../types.js';
import { deferred, type Deferred } from './deferred.js';
import { TEMP_SUFFIX, removeTempFile, syncDirectory } from './durable-file.js';
import { decodeFrames, encodeFrames, frameBytes } from './log-frame.js';
import { checkAppendable, entriesDiscardedBySnapshot } from './log-rules.js';

export const LOG_FILE_NAME = 'raft.log';
const COPY_CHUNK_BYTES = 1024 * 1024;

type Job =
  | { readonly kind: 'append'; readonly entries: readonly Entry[]; readonly done: Deferred }
  | { readonly kind: 'compact'; readonly index: number; readonly term: number; readonly done: Deferred };

export interface OpenedLog {
  readonly log: RaftLogFile;
  /** The recovered entries after the snapshot, contiguous. */
  readonly entries: Entry[];
}

export class RaftLogFile {
  private readonly queue: Job[] = [];
  /** The running flush loop, if any. */
  private flushing: Promise<void> | undefined;
  private failure: Error | undefined;
  /** Bytes durably handed to the OS so far; `end` also counts bytes buffered in the current round. */
  private written: number;
  private end: number;

  private constructor(
    private readonly dir: string,
    private handle: FileHandle,
    private first: number,
    private positions: number[],
    private terms: number[],
    size: number,
  ) {
    this.written = size;
    this.end = size;
  }

  /**
   * Opens (creating if needed) the log in `dir`, cuts a torn tail, and drops entries a snapshot
   * at `snapshot` already covers, so the file holds exactly the log that follows the snapshot.
   */
  static async open(dir: string, snapshot: { index: number; term: number }, logger?: Logger): Promise<OpenedLog> {
    await removeTempFile(dir, LOG_FILE_NAME);
    const path = join(dir, LOG_FILE_NAME);
    const bytes = await readFile(path).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return Buffer.alloc(0);
      throw e;
    });
    const decoded = decodeFrames(bytes);
    const handle = await openForWrite(dir, path);
    if (decoded.validBytes < bytes.length) {
      logger?.warn({ droppedBytes: bytes.length - decoded.validBytes, reason: decoded.stopReason }, 'raft log: cut torn tail');
      await handle.truncate(decoded.validBytes);
      await handle.sync();
    }
    const entries = decoded.entries;
    const first = entries[0]?.index ?? snapshot.index + 1;
    const log = new RaftLogFile(dir, handle, first, decoded.positions, entries.map((e) => e.term), decoded.validBytes);
    const discarded = entriesDiscardedBySnapshot(first, log.terms, snapshot);
    if (discarded > 0 || first !== snapshot.index + 1) {
      // A crash between saving a snapshot and compacting the log leaves covered entries behind.
      await log.compact(snapshot.index, snapshot.term);
    }
    return { log, entries: entries.slice(discarded) };
  }

  firstIndex(): number {
    return this.first;
  }

  lastIndex(): number {
    return this.first + this.terms.length - 1;
  }

  /** Appends entries, first cutting any persisted entries at index >= entries[0].index. */
  append(entries: readonly Entry[]): Promise<void> {
    if (entries.length === 0) return Promise.resolve();
    return this.enqueue({ kind: 'append', entries, done: deferred() });
  }

  /** Drops the entries a snapshot at (index, term) covers, rewriting the file without them. */
  compact(index: number, term: number): Promise<void> {
    return this.enqueue({ kind: 'compact', index, term, done: deferred() });
  }

  /** Waits for queued writes, then closes the file. */
  async close(): Promise<void> {
    while (this.flushing) await this.flushing;
    await this.handle.close();
  }

  private enqueue(job: Job): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    this.queue.push(job);
    this.flushing ??= this.flush();
    return job.done.promise;
  }

  private async flush(): Promise<void> {
    while (this.queue.length > 0) {
      const round = this.queue.splice(0);
      try {
        await this.runRound(round);
      } catch (e) {
        this.failure = errors.kafkaStorageError(`raft log write failed: ${(e as Error).message}`);
        for (const job of [...round, ...this.queue.splice(0)]) job.done.reject(this.failure);
      }
    }
    this.flushing = undefined;
  }

  /** Runs a round of jobs in order, then one fsync makes all of them durable. */
  private async runRound(round: readonly Job[]): Promise<void> {
    let buffered: Buffer[] = [];
    const accepted: Job[] = [];
    for (const job of round) {
      if (job.kind === 'compact') {
        await this.writeBuffered(buffered);
        buffered = [];
        await this.rewriteForSnapshot(job.index, job.term);
        accepted.push(job);
        continue;
      }
      try {
        checkAppendable(job.entries, this.first, this.lastIndex());
      } catch (e) {
        job.done.reject(e);
        continue;
      }
      const start = job.entries[0]!.index;
      if (start <= this.lastIndex()) {
        await this.writeBuffered(buffered);
        buffered = [];
        await this.truncateFrom(start);
      }
      for (const entry of job.entries) {
        this.positions.push(this.end);
        this.terms.push(entry.term);
        this.end += frameBytes(entry);
      }
      buffered.push(encodeFrames(job.entries));
      accepted.push(job);
    }
    await this.writeBuffered(buffered);
    await this.handle.datasync();
    for (const job of accepted) job.done.resolve();
  }

  private async writeBuffered(frames: readonly Buffer[]): Promise<void> {
    if (frames.length === 0) return;
    const bytes = frames.length === 1 ? frames[0]! : Buffer.concat(frames);
    let done = 0;
    while (done < bytes.length) {
      const { bytesWritten } = await this.handle.write(bytes, done, bytes.length - done, this.written + done);
      done += bytesWritten;
    }
    this.written += bytes.length;
  }

  /**
   * Cuts the entries at `index` and after. Synced on its own so a crash can never leave stale
   * frames behind new ones (recovery would catch that too: the stale frames break term order).
   */
  private async truncateFrom(index: number): Promise<void> {
    const keep = index - this.first;
    const cutAt = this.positions[keep]!;
    await this.handle.truncate(cutAt);
    await this.handle.datasync();
    this.positions.length = keep;
    this.terms.length = keep;
    this.written = this.end = cutAt;
  }

  /** Copies the surviving entries into a new file that atomically replaces the old one. */
  private async rewriteForSnapshot(index: number, term: number): Promise<void> {
    const discarded = entriesDiscardedBySnapshot(this.first, this.terms, { index, term });
    const from = discarded < this.positions.length ? this.positions[discarded]! : this.end;
    const path = join(this.dir, LOG_FILE_NAME);
    const temp = path + TEMP_SUFFIX;
    const target = await open(temp, 'w');
    try {
      await copyRange(this.handle, target, from, this.end);
      await target.sync();
    } finally {
      await target.close();
    }
    await rename(temp, path);
    await syncDirectory(this.dir);
    await this.handle.close();
    this.handle = await open(path, 'r+');
    this.positions = this.positions.slice(discarded).map((p) => p - from);
    this.terms = this.terms.slice(discarded);
    this.first = index + 1;
    this.written = this.end = this.end - from;
  }
}

async function openForWrite(dir: string, path: string): Promise<FileHandle> {
  try {
    return await open(path, 'r+');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    const handle = await open(path, 'w+');
    await syncDirectory(dir);
    return handle;
  }
}

async function copyRange(source: FileHandle, target: FileHandle, from: number, to: number): Promise<void> {
  const chunk = Buffer.allocUnsafe(Math.min(COPY_CHUNK_BYTES, Math.max(1, to - from)));
  let at = from;
  while (at < to) {
    const { bytesRead } = await source.read(chunk, 0, Math.min(chunk.length, to - at), at);
    if (bytesRead === 0) throw errors.kafkaStorageError(`raft log ended at ${at}, expected ${to}`);
    let written = 0;
    while (written < bytesRead) {
      written += (await target.write(chunk, written, bytesRead - written)).bytesWritten;
    }
    at += bytesRead;
  }
}
