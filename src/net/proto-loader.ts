/**
 * The one way `.proto` files are loaded, by the node's services (src/net), the native client
 * (src/client) and the supervisor's admin client (cluster/): found in the repository's `proto/`
 * directory wherever the process runs from (src/, dist/src/ or cluster/), decoded with one set of
 * options, and loaded once per file and process. It depends on nothing else of src/net, so the
 * client may import it without pulling in server code.
 */
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { errors } from '../common/errors.js';

/**
 * Fields keep their snake_case names, 64-bit integers arrive as numbers (pass them through
 * `toSafeInteger`: a value of 2^53 or more cannot be held exactly, arrives rounded, and is refused
 * there rather than used), bytes as Buffers, enums as names, absent fields as defaults (empty
 * lists and maps included), and a `oneof` names its set field.
 */
export const PROTO_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: Number,
  enums: String,
  bytes: Buffer,
  defaults: true,
  oneofs: true,
};

/** Parent directories searched for `proto/`: enough to get from `dist/src/net/` to the root. */
const MAX_PARENT_DIRECTORIES = 8;

/** The repository's `proto/` directory, found by walking up from `startFile` (this module by default). */
export function protoDirectory(startFile: string = fileURLToPath(import.meta.url)): string {
  let dir = dirname(startFile);
  for (let i = 0; i < MAX_PARENT_DIRECTORIES; i++) {
    const candidate = join(dir, 'proto');
    if (existsSync(join(candidate, 'raft.proto'))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw errors.invalidConfig(`no proto/ directory found above ${startFile}`);
}

/** The path of `proto/<fileName>`, the directory found from `startFile` as `protoDirectory` does. */
export function protoFile(fileName: string, startFile?: string): string {
  return join(protoDirectory(startFile), fileName);
}

const loaded = new Map<string, grpc.GrpcObject>();

/** Loads `proto/<fileName>` (imports resolve within `proto/`) once per process. */
export function loadProto(fileName: string): grpc.GrpcObject {
  let result = loaded.get(fileName);
  if (!result) {
    const dir = protoDirectory();
    const definition = protoLoader.loadSync(join(dir, fileName), { ...PROTO_OPTIONS, includeDirs: [dir] });
    result = grpc.loadPackageDefinition(definition);
    loaded.set(fileName, result);
  }
  return result;
}

/** The client constructor of a service by its full name, e.g. `brokerlab.raft.Raft`. */
export function serviceConstructor(fileName: string, fullName: string): grpc.ServiceClientConstructor {
  let node: unknown = loadProto(fileName);
  for (const part of fullName.split('.')) node = (node as Record<string, unknown> | undefined)?.[part];
  if (typeof node !== 'function' || !('service' in node)) throw errors.invalidConfig(`service ${fullName} not found in ${fileName}`);
  return node as grpc.ServiceClientConstructor;
}
