/**
 * Storage on the local filesystem through synchronous node:fs calls. Each open file keeps its
 * descriptor and tracks its own size, so an append is one write(2) and a read one pread(2).
 * Failures surface as KAFKA_STORAGE_ERROR carrying the path and the system error code.
 */
import * as fs from 'node:fs';
import { errors } from '../../common/errors.js';
import type { Storage, StorageFile } from './storage.js';

function storageError(action: string, path: string, cause: unknown): Error {
  const code = (cause as NodeJS.ErrnoException | undefined)?.code ?? 'EIO';
  const message = cause instanceof Error ? cause.message : String(cause);
  return errors.kafkaStorageError(`${action} ${path}: ${message}`, { path, code, cause });
}

function isNotFound(e: unknown): boolean {
  return (e as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}

class LocalFile implements StorageFile {
  private fd: number;
  private size: number;

  constructor(
    readonly path: string,
    private readonly onClose: (file: LocalFile) => void,
  ) {
    try {
      // O_APPEND: every write lands at the end whatever the file offset, so appends need no position.
      this.fd = fs.openSync(path, fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_APPEND, 0o644);
      this.size = fs.fstatSync(this.fd).size;
    } catch (e) {
      throw storageError('open', path, e);
    }
  }

  sizeBytes(): number {
    return this.size;
  }

  append(data: Uint8Array): void {
    this.checkOpen();
    try {
      let written = 0;
      while (written < data.length) written += fs.writeSync(this.fd, data, written, data.length - written);
    } catch (e) {
      throw storageError('write', this.path, e);
    }
    this.size += data.length;
  }

  read(position: number, lengthBytes: number): Buffer {
    this.checkOpen();
    const wanted = Math.max(0, Math.min(lengthBytes, this.size - position));
    const buf = Buffer.allocUnsafe(wanted);
    try {
      let filled = 0;
      while (filled < wanted) {
        const n = fs.readSync(this.fd, buf, filled, wanted - filled, position + filled);
        if (n === 0) break;
        filled += n;
      }
      return filled === wanted ? buf : buf.subarray(0, filled);
    } catch (e) {
      throw storageError('read', this.path, e);
    }
  }

  truncate(sizeBytes: number): void {
    this.checkOpen();
    if (sizeBytes >= this.size) return;
    try {
      fs.ftruncateSync(this.fd, sizeBytes);
    } catch (e) {
      throw storageError('truncate', this.path, e);
    }
    this.size = sizeBytes;
  }

  sync(): void {
    this.checkOpen();
    try {
      fs.fdatasyncSync(this.fd);
    } catch (e) {
      throw storageError('sync', this.path, e);
    }
  }

  close(): void {
    if (this.fd < 0) return;
    try {
      fs.closeSync(this.fd);
    } catch (e) {
      throw storageError('close', this.path, e);
    } finally {
      this.fd = -1;
      this.onClose(this);
    }
  }

  private checkOpen(): void {
    if (this.fd < 0) throw errors.kafkaStorageError(`${this.path} is closed`);
  }
}

export class FileStorage implements Storage {
  private readonly openFiles = new Set<LocalFile>();

  ensureDir(dir: string): void {
    try {
      fs.mkdirSync(dir, { recursive: true });
    } catch (e) {
      throw storageError('mkdir', dir, e);
    }
  }

  list(dir: string): string[] {
    try {
      return fs.readdirSync(dir).sort();
    } catch (e) {
      if (isNotFound(e)) return [];
      throw storageError('list', dir, e);
    }
  }

  exists(path: string): boolean {
    return fs.existsSync(path);
  }

  open(path: string): StorageFile {
    const file = new LocalFile(path, (f) => this.openFiles.delete(f));
    this.openFiles.add(file);
    return file;
  }

  readFile(path: string): Buffer | undefined {
    try {
      return fs.readFileSync(path);
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw storageError('read', path, e);
    }
  }

  rename(from: string, to: string): void {
    try {
      fs.renameSync(from, to);
    } catch (e) {
      throw storageError('rename', from, e);
    }
  }

  remove(path: string): void {
    try {
      fs.rmSync(path, { force: true });
    } catch (e) {
      throw storageError('remove', path, e);
    }
  }

  removeDir(dir: string): void {
    try {
      fs.rmSync(dir, { recursive: true, force: true });
    } catch (e) {
      throw storageError('remove', dir, e);
    }
  }

  syncDir(dir: string): void {
    let fd = -1;
    try {
      fd = fs.openSync(dir, fs.constants.O_RDONLY);
      fs.fsyncSync(fd);
    } catch (e) {
      throw storageError('sync', dir, e);
    } finally {
      if (fd >= 0) fs.closeSync(fd);
    }
  }

  /**
   * Closes every file this storage opened without syncing anything: what a killed process leaves
   * behind. Tests use it to reopen a directory as if after a crash.
   */
  closeAllFiles(): void {
    for (const file of [...this.openFiles]) file.close();
  }

  /** Number of files currently open (to check that closing a log releases them all). */
  openFileCount(): number {
    return this.openFiles.size;
  }
}
