/**
 * Replaces a small file so that a crash leaves either the old content or the new, never a mix:
 * write a temporary sibling, sync it, rename it over the target, sync the directory.
 */
import { baseName, joinPath, parentDir, type Storage } from './storage.js';

export const TEMP_SUFFIX = '.tmp';

export function writeFileAtomically(storage: Storage, path: string, content: Uint8Array): void {
  const dir = parentDir(path);
  const tempPath = joinPath(dir, `${baseName(path)}${TEMP_SUFFIX}`);
  // A temporary file left by an earlier crash may hold anything: start from empty.
  storage.remove(tempPath);
  const file = storage.open(tempPath);
  try {
    file.append(content);
    file.sync();
  } finally {
    file.close();
  }
  storage.rename(tempPath, path);
  storage.syncDir(dir);
}
