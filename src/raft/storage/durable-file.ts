/**
 * Small files replaced atomically: written to a temp file, fsynced, renamed over the old one, and
 * the directory fsynced so the rename itself survives a crash. Contents are framed as
 * `[length u32][crc32c u32][payload]` so a damaged file is detected instead of misread.
 */
import { crc32c } from '@node-rs/crc32';
import { open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { errors } from '../../common/errors.js';

export const TEMP_SUFFIX = '.tmp';

export async function writeDurableFile(dir: string, name: string, payload: Uint8Array): Promise<void> {
  const header = Buffer.allocUnsafe(8);
  header.writeUInt32LE(payload.length, 0);
  header.writeUInt32LE(crc32c(payload), 4);
  const temp = join(dir, name + TEMP_SUFFIX);
  const handle = await open(temp, 'w');
  try {
    await handle.writev([header, payload]);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, join(dir, name));
  await syncDirectory(dir);
}

/** The payload of a file written by `writeDurableFile`, or undefined if it does not exist. */
export async function readDurableFile(dir: string, name: string): Promise<Buffer | undefined> {
  let bytes: Buffer;
  try {
    bytes = await readFile(join(dir, name));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  // The rename makes the file appear whole or not at all, so damage here is real corruption.
  if (bytes.length < 8) throw errors.kafkaStorageError(`${name}: truncated header`);
  const length = bytes.readUInt32LE(0);
  if (bytes.length !== 8 + length) throw errors.kafkaStorageError(`${name}: expected ${length} payload bytes, found ${bytes.length - 8}`);
  const payload = bytes.subarray(8);
  if (crc32c(payload) !== bytes.readUInt32LE(4)) throw errors.kafkaStorageError(`${name}: CRC mismatch`);
  return payload;
}

export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Removes a temp file left by a write that a crash interrupted. */
export async function removeTempFile(dir: string, name: string): Promise<void> {
  await rm(join(dir, name + TEMP_SUFFIX), { force: true });
}
