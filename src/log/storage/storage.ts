/**
 * The byte-level seam under the partition log. Everything above it (segments, indexes, recovery,
 * checkpoints) is shared; below it sit two implementations: files through synchronous node:fs
 * calls, and memory for the deterministic simulation, where a crash can drop or tear whatever was
 * written but not yet synced.
 *
 * Paths are plain strings joined with '/'. Every call is synchronous and throws KAFKA_STORAGE_ERROR
 * when the medium fails.
 */

/** An open file: positional reads, appends at the end, truncation and sync. */
export interface StorageFile {
  readonly path: string;
  /** Current size in bytes, tracked by the handle (no stat call per use). */
  sizeBytes(): number;
  /** Writes `data` at the end of the file. The bytes are copied before this returns. */
  append(data: Uint8Array): void;
  /**
   * Reads up to `lengthBytes` bytes from `position`; the result is shorter only at the end of the
   * file. The caller owns the returned buffer.
   */
  read(position: number, lengthBytes: number): Buffer;
  /** Cuts the file to `sizeBytes` (never grows it). */
  truncate(sizeBytes: number): void;
  /** Makes everything written so far durable (fdatasync). */
  sync(): void;
  close(): void;
}

export interface Storage {
  /** Creates the directory and its parents if missing. */
  ensureDir(dir: string): void;
  /** Names (not paths) of the files in `dir`, sorted; empty if the directory does not exist. */
  list(dir: string): string[];
  exists(path: string): boolean;
  /** Opens a file for reading and appending, creating it empty if missing. */
  open(path: string): StorageFile;
  /** The whole content of a file, or undefined if it does not exist. */
  readFile(path: string): Buffer | undefined;
  /** Replaces `to` with `from` atomically. */
  rename(from: string, to: string): void;
  /** Deletes a file; missing files are ignored. */
  remove(path: string): void;
  /** Deletes a directory and everything in it; missing directories are ignored. */
  removeDir(dir: string): void;
  /** Makes creations, renames and removals in `dir` durable. */
  syncDir(dir: string): void;
}

export function joinPath(dir: string, name: string): string {
  return dir.endsWith('/') ? `${dir}${name}` : `${dir}/${name}`;
}

export function parentDir(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash <= 0 ? (slash === 0 ? '/' : '.') : path.slice(0, slash);
}

export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
