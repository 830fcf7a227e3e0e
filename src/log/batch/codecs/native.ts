/**
 * The native compression codecs (snappy, lz4-napi) load when a batch first needs them, not when
 * the process starts: a node that never meets a snappy or lz4 batch would otherwise carry their
 * code and runtimes (several MB of memory each; snappy also starts two threads). A codec that
 * cannot load fails that batch with UNSUPPORTED_COMPRESSION_TYPE.
 */
import { createRequire } from 'node:module';
import { errors } from '../../../common/errors.js';

const requireNative = createRequire(import.meta.url);

/** A loader of package `name`, which loads it once, on its first call. */
export function nativeCodec<T>(name: string): () => T {
  let loaded: T | undefined;
  return () => {
    if (loaded === undefined) {
      try {
        loaded = requireNative(name) as T;
      } catch (e) {
        throw errors.unsupportedCompressionType(`the ${name} codec cannot be loaded: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    return loaded;
  };
}
