/**
 * Storage in memory, for the deterministic simulation and fast tests. Each file keeps two images:
 * what readers see now, and what would survive a crash (the state at its last sync), plus the
 * operations since that sync in order. `crash()` keeps, per file, only the synced image and — when
 * given a Random — a random prefix of the unsynced operations whose last write may be torn (cut
 * short, its tail possibly garbage), as a disk losing power mid-write would leave it.
 *
 * Creations, renames and removals are modelled as durable at once (a journaling filesystem after
 * `syncDir`); only file contents can be lost. Handles opened before a crash refuse further use.
 */
import { assert, errors } from '../../common/errors.js';
import type { Random } from '../../common/random.js';
import { parentDir, type Storage, type StorageFile } from './storage.js';

/** A growable byte array. */
class Bytes {
  private buf: Buffer;
  length = 0;

  constructor(initialCapacity = 256) {
    this.buf = Buffer.alloc(initialCapacity);
  }

  view(start = 0, end = this.length): Buffer {
    return this.buf.subarray(start, Math.min(end, this.length));
  }

  writeAt(position: number, data: Uint8Array): void {
    assert(position <= this.length, `write at ${position} beyond end ${this.length}`);
    const end = position + data.length;
    if (end > this.buf.length) {
      const grown = Buffer.alloc(Math.max(end, this.buf.length * 2));
      this.buf.copy(grown, 0, 0, this.length);
      this.buf = grown;
    }
    this.buf.set(data, position);
    this.length = Math.max(this.length, end);
  }

  truncate(sizeBytes: number): void {
    if (sizeBytes < this.length) this.length = sizeBytes;
  }

  copy(): Bytes {
    const c = new Bytes(Math.max(16, this.length));
    c.writeAt(0, this.view());
    return c;
  }
}

type PendingOp = { kind: 'write'; position: number; data: Buffer } | { kind: 'truncate'; sizeBytes: number };

class FileState {
  content = new Bytes();
  durable = new Bytes();
  pending: PendingOp[] = [];

  sync(): void {
    for (const op of this.pending) applyOp(this.durable, op);
    this.pending = [];
  }
}

function applyOp(target: Bytes, op: PendingOp): void {
  if (op.kind === 'write') target.writeAt(Math.min(op.position, target.length), op.data);
  else target.truncate(op.sizeBytes);
}

class MemoryFile implements StorageFile {
  private closed = false;

  constructor(
    private readonly storage: MemoryStorage,
    readonly path: string,
    private readonly state: FileState,
    private readonly generation: number,
  ) {}

  sizeBytes(): number {
    this.checkUsable();
    return this.state.content.length;
  }

  append(data: Uint8Array): void {
    this.checkUsable();
    const position = this.state.content.length;
    this.state.content.writeAt(position, data);
    this.state.pending.push({ kind: 'write', position, data: Buffer.from(data) });
  }

  read(position: number, lengthBytes: number): Buffer {
    this.checkUsable();
    return Buffer.from(this.state.content.view(position, position + Math.max(0, lengthBytes)));
  }

  truncate(sizeBytes: number): void {
    this.checkUsable();
    if (sizeBytes >= this.state.content.length) return;
    this.state.content.truncate(sizeBytes);
    this.state.pending.push({ kind: 'truncate', sizeBytes });
  }

  sync(): void {
    this.checkUsable();
    this.storage.syncCount++;
    this.state.sync();
  }

  close(): void {
    this.closed = true;
  }

  private checkUsable(): void {
    if (this.closed) throw errors.kafkaStorageError(`${this.path} is closed`);
    if (this.generation !== this.storage.generation) throw errors.kafkaStorageError(`${this.path} was open before a crash`);
  }
}

export interface CrashOptions {
  /** Decides how much of each file's unsynced writes survive; without it every unsynced byte is lost. */
  random?: Random;
  /** Probability that the last surviving unsynced write is torn. Default 0.5. */
  tornWriteProbability?: number;
}

export class MemoryStorage implements Storage {
  private readonly files = new Map<string, FileState>();
  private readonly dirs = new Set<string>();
  /** Bumped by every crash; handles from an older generation refuse to work. */
  generation = 0;
  /** File syncs since creation (directory syncs are not counted). */
  syncCount = 0;

  ensureDir(dir: string): void {
    for (let d = dir; d !== '.' && d !== '/' && !this.dirs.has(d); d = parentDir(d)) this.dirs.add(d);
  }

  list(dir: string): string[] {
    const names: string[] = [];
    for (const path of this.files.keys()) if (parentDir(path) === dir) names.push(path.slice(dir.length + 1));
    return names.sort();
  }

  exists(path: string): boolean {
    return this.files.has(path) || this.dirs.has(path);
  }

  open(path: string): StorageFile {
    if (!this.dirs.has(parentDir(path))) throw errors.kafkaStorageError(`open ${path}: no such directory`);
    let state = this.files.get(path);
    if (!state) {
      state = new FileState();
      this.files.set(path, state);
    }
    return new MemoryFile(this, path, state, this.generation);
  }

  readFile(path: string): Buffer | undefined {
    const state = this.files.get(path);
    return state ? Buffer.from(state.content.view()) : undefined;
  }

  rename(from: string, to: string): void {
    const state = this.files.get(from);
    if (!state) throw errors.kafkaStorageError(`rename ${from}: no such file`);
    this.files.delete(from);
    this.files.set(to, state);
  }

  remove(path: string): void {
    this.files.delete(path);
  }

  removeDir(dir: string): void {
    const prefix = `${dir}/`;
    for (const path of [...this.files.keys()]) if (path.startsWith(prefix)) this.files.delete(path);
    for (const d of [...this.dirs]) if (d === dir || d.startsWith(prefix)) this.dirs.delete(d);
  }

  syncDir(_dir: string): void {
    // Directory operations are durable at once in this model.
  }

  /**
   * Loses power: every file falls back to its synced image plus, with a Random, a random prefix of
   * its unsynced operations (the last write possibly torn). Open handles become unusable.
   */
  crash(options: CrashOptions = {}): void {
    const { random } = options;
    const tornProbability = options.tornWriteProbability ?? 0.5;
    for (const state of this.files.values()) {
      const survivor = state.durable.copy();
      if (random && state.pending.length > 0) {
        const kept = random.int(0, state.pending.length);
        for (let i = 0; i < kept; i++) applyOp(survivor, state.pending[i]!);
        const next = state.pending[kept];
        if (next?.kind === 'write' && next.data.length > 1 && random.next() < tornProbability) {
          applyOp(survivor, { kind: 'write', position: next.position, data: tornCopy(next.data, random) });
        }
      }
      state.content = survivor;
      state.durable = survivor.copy();
      state.pending = [];
    }
    this.generation++;
  }

  /** Bytes written to files but not yet synced (what a crash may lose). */
  unsyncedBytes(): number {
    let total = 0;
    for (const state of this.files.values()) {
      for (const op of state.pending) if (op.kind === 'write') total += op.data.length;
    }
    return total;
  }
}

/** A prefix of `data`, its last few bytes replaced by garbage half of the time. */
function tornCopy(data: Buffer, random: Random): Buffer {
  const torn = Buffer.from(data.subarray(0, random.int(1, data.length - 1)));
  if (random.next() < 0.5) {
    const garbage = Math.min(torn.length, random.int(1, 64));
    for (let i = torn.length - garbage; i < torn.length; i++) torn[i] = random.int(0, 255);
  }
  return torn;
}
