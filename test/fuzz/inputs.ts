/**
 * Inputs for the Kafka fuzzer: a seeded PRNG, random *valid* requests of every API and version
 * (values drawn from the message specifications' model, as the code generator reads them, with a
 * bias towards values the broker acts on: known topics and groups, acks, small partitions, real
 * record batches), and the mutations applied to them.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { crc32c } from '@node-rs/crc32';
import { SeededRandom } from '../../src/common/random.js';
import { buildBatch, type RecordInput } from '../../src/log/batch/build.js';
import { TOPIC_CONFIGS } from '../../src/metadata/topic-config.js';
import { Writer } from '../../src/kafka/protocol/writer.js';
import { API_MESSAGES, RequestHeader, requestHeaderVersion } from '../../src/kafka/protocol/messages/index.js';

// ---------------------------------------------------------------------------------------------
// PRNG

/** The project's seeded xoshiro128** with the few draws the fuzzer needs: every run replays from its seed. */
export class Rng extends SeededRandom {
  /** A uint32. */
  u32(): number {
    return this.nextUint32();
  }

  bytes(n: number): Buffer {
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) b[i] = this.u32() & 0xff;
    return b;
  }
}

// ---------------------------------------------------------------------------------------------
// The specifications' model (scripts/gen-kafka-messages.mjs)

interface Range {
  lo: number;
  hi: number;
}
type FieldType = { kind: 'prim'; prim: string } | { kind: 'array'; elem: FieldType } | { kind: 'struct'; struct: Struct };
interface Field {
  name: string;
  type: FieldType;
  versions: Range | null;
  nullable: Range | null;
  tagged: Range | null;
}
interface Struct {
  name: string;
  fields: Field[];
  top: boolean;
}
export interface Model {
  name: string;
  kind: 'request' | 'response' | 'header';
  apiKey?: number;
  valid: Range;
  flexible: Range | null;
  structs: Struct[];
}
interface Generator {
  loadSpecs(specDir?: string): { file: string; spec: unknown }[];
  buildModel(spec: unknown): Model;
  defaultValue(f: Field, model: Model): unknown;
}

/** The project root: the nearest directory up from here whose package.json is brokerlab's (works from test/ and dist/test/). */
export function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'brokerlab') return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the brokerlab project root');
    dir = parent;
  }
}

const inVersion = (r: Range | null, v: number): boolean => r !== null && v >= r.lo && v <= r.hi;

// ---------------------------------------------------------------------------------------------
// Random valid requests

export interface Target {
  readonly apiKey: number;
  readonly name: string;
  readonly version: number;
  /** Whether the listener serves this API at this version (otherwise the request must be refused). */
  readonly served: boolean;
}

/** One fuzz input: a request payload (header and body, without the size prefix). */
export interface FuzzInput {
  readonly target: Target;
  readonly payload: Buffer;
  /** How it was made: 'valid', 'mutated' (with the mutations applied), or 'random'. */
  readonly how: string;
}

const TOPICS = ['fuzz-topic', 'orders', '__consumer_offsets', 'new-topic-1', 'new-topic-2', 'gone', '', '.', 'a b', 'x'.repeat(250)];
const GROUPS = ['g1', 'g2', 'group-a', '', 'é漢😀'];
const CLIENT_NAMES = ['kafkajs', 'librdkafka', 'fuzz-client', 'apache-kafka-java', 'bad name', '', 'a.', '-a'];
const PROTOCOLS = ['range', 'roundrobin', 'sticky', 'cooperative-sticky', ''];
const CONFIG_NAMES = [...Object.keys(TOPIC_CONFIGS), 'no.such.config', ''];
const CONFIG_VALUES = ['1', '-1', '0', 'true', 'false', 'compact', 'delete', '1048576', 'x', '', '9999999999999999999'];
const CHARS = ['a', 'b', 'z', 'A', '0', '9', '-', '.', '_', ' ', 'é', 'ß', '漢', '😀', '\u0000', '\ud800'];
const TIMES = [0, 1, 10, 100, 500, 1000, 6000, 10_000, 30_000, 300_000, -1, -100, 0x7fff_ffff];
const EDGE_INT32 = [0, 1, -1, 2, 0x7fff_ffff, -0x8000_0000, 0x7fff, 0x8000, 0xffff, 0x10000];
const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

function randomString(rng: Rng, maxLen = 12): string {
  let s = '';
  for (let n = rng.int(0, maxLen); n > 0; n--) s += rng.pick(CHARS);
  return s;
}

function randomInt(rng: Rng, lo: number, hi: number): number {
  const k = rng.next();
  if (k < 0.45) return Math.max(lo, Math.min(hi, rng.int(-2, 5)));
  if (k < 0.6) return Math.max(lo, Math.min(hi, rng.pick(EDGE_INT32)));
  if (k < 0.7) return rng.pick([lo, hi]);
  return rng.int(lo, hi);
}

/** A record batch: mostly valid (some gzip, some idempotent), some valid with a corrupted inside and a fixed CRC, some junk. */
export function randomRecords(rng: Rng): Buffer {
  const k = rng.next();
  if (k < 0.35) return rng.bytes(rng.chance(0.05) ? rng.int(1000, 6000) : rng.int(0, 100));
  const records: RecordInput[] = [];
  for (let n = rng.int(1, 3); n > 0; n--) {
    records.push({
      key: rng.chance(0.5) ? null : Buffer.from(randomString(rng, 6)),
      value: rng.chance(0.1) ? null : Buffer.from(randomString(rng, 20)),
      headers: rng.chance(0.2) ? [{ key: randomString(rng, 4), value: rng.chance(0.5) ? null : Buffer.from('h') }] : [],
      timestamp: rng.chance(0.8) ? 1_700_000_000_000 + rng.int(0, 1000) : rng.int(-5, 5),
    });
  }
  const idempotent = rng.chance(0.2);
  const batch = buildBatch(records, {
    attributes: rng.chance(0.2) ? 1 : 0,
    ...(idempotent ? { producerId: rng.int(999, 1003), producerEpoch: rng.int(0, 1), baseSequence: rng.int(0, 3) } : {}),
  });
  if (k < 0.8) return batch;
  // Corrupt the records (or the header after the CRC field), then make the CRC right again.
  const mutated = Buffer.from(batch);
  for (let n = rng.int(1, 3); n > 0; n--) {
    const pos = rng.int(21, mutated.length - 1);
    mutated[pos] = rng.chance(0.5) ? rng.u32() & 0xff : rng.pick([0, 0xff, 0x7f, 0x80, 0x01]);
  }
  mutated.writeUInt32BE(crc32c(mutated.subarray(21)) >>> 0, 17);
  return mutated;
}

function randomUuid(rng: Rng): string {
  if (rng.chance(0.4)) return ZERO_UUID;
  const h = rng.bytes(16).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function randomPrim(prim: string, field: string, rng: Rng): unknown {
  const hinted = rng.chance(0.75);
  switch (prim) {
    case 'bool':
      return rng.chance(0.5);
    case 'int8':
      if (hinted && /isolationLevel/i.test(field)) return rng.int(0, 1);
      if (hinted && /resourceType|keyType/i.test(field)) return rng.pick([0, 1, 2, 4]);
      return randomInt(rng, -128, 127);
    case 'int16':
      if (hinted && /acks/i.test(field)) return rng.pick([-1, 0, 1]);
      if (hinted && /epoch/i.test(field)) return rng.pick([-1, 0, 1]);
      return randomInt(rng, -32768, 32767);
    case 'uint16':
      return randomInt(rng, 0, 65535);
    case 'int32':
      if (hinted && /Ms$|timeout|wait/i.test(field)) return rng.pick(TIMES);
      if (hinted && /partition|index/i.test(field)) return rng.int(-1, 3);
      if (hinted && /epoch|generation/i.test(field)) return rng.int(-1, 2);
      if (hinted && /bytes/i.test(field)) return rng.pick([0, 1, 100, 1 << 20, 0x7fff_ffff, -1]);
      if (hinted && /nodeId|brokerId|replicaId|leaderId/i.test(field)) return rng.int(-1, 2);
      return randomInt(rng, -0x8000_0000, 0x7fff_ffff);
    case 'uint32':
      return randomInt(rng, 0, 0xffff_ffff);
    case 'int64': {
      if (hinted && /offset/i.test(field)) return rng.int(-2, 5);
      if (hinted && /producerId/i.test(field)) return rng.int(-1, 1003);
      if (hinted && /timestamp/i.test(field)) return rng.pick([-2, -1, 0, 1_700_000_000_000]);
      const k = rng.next();
      if (k < 0.4) return rng.int(-2, 5);
      if (k < 0.5) return rng.pick([Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 2 ** 62, -(2 ** 63)]);
      return rng.int(-0x1f_ffff_ffff_ffff, 0x1f_ffff_ffff_ffff);
    }
    case 'float64':
      return rng.chance(0.3) ? rng.int(-1, 3) : (rng.next() - 0.5) * 1e12;
    case 'string':
      if (hinted && /topic|^name$|resourceName/i.test(field)) return rng.pick(TOPICS);
      if (hinted && /group/i.test(field)) return rng.pick(GROUPS);
      if (hinted && /clientSoftware/i.test(field)) return rng.pick(CLIENT_NAMES);
      if (hinted && /protocolType/i.test(field)) return rng.pick(['consumer', 'connect', '']);
      if (hinted && /protocolName/i.test(field)) return rng.pick(PROTOCOLS);
      if (hinted && /memberId/i.test(field)) return rng.pick(['', 'm-1', 'fuzz-client-1', randomString(rng, 40)]);
      if (hinted && /configurationKeys|configName/i.test(field)) return rng.pick(CONFIG_NAMES);
      if (hinted && /value/i.test(field)) return rng.pick(CONFIG_VALUES);
      if (hinted && /state/i.test(field)) return rng.pick(['Empty', 'Stable', 'PreparingRebalance', 'CompletingRebalance', 'Dead', 'x']);
      return rng.chance(0.02) ? randomString(rng, 400) : randomString(rng);
    case 'uuid':
      return randomUuid(rng);
    case 'bytes':
      return rng.chance(0.05) ? rng.bytes(rng.int(1000, 5000)) : rng.bytes(rng.int(0, 40));
    case 'records':
      return randomRecords(rng);
    default:
      throw new Error(`unknown primitive ${prim}`);
  }
}

export class RequestFactory {
  private readonly models = new Map<number, Model>();
  private readonly gen: Generator;

  private constructor(gen: Generator) {
    this.gen = gen;
    const specDir = join(projectRoot(), 'src', 'kafka', 'spec');
    for (const { spec } of gen.loadSpecs(specDir)) {
      const model = gen.buildModel(spec);
      if (model.kind === 'request' && model.apiKey !== undefined && API_MESSAGES.has(model.apiKey)) this.models.set(model.apiKey, model);
    }
    for (const apiKey of API_MESSAGES.keys()) {
      if (!this.models.has(apiKey)) throw new Error(`no request specification for API key ${apiKey}`);
    }
  }

  static async load(): Promise<RequestFactory> {
    const url = pathToFileURL(join(projectRoot(), 'scripts', 'gen-kafka-messages.mjs')).href;
    return new RequestFactory((await import(url)) as Generator);
  }

  /** A random request of `apiKey` valid for `version`, as the generated codec's message type. */
  message(apiKey: number, version: number, rng: Rng): Record<string, unknown> {
    const model = this.models.get(apiKey)!;
    return this.struct(model.structs.find((s) => s.top)!, version, rng, model, 0);
  }

  /** Header and body of a random valid request (correlation id and client id random too), and the header's size. */
  payload(target: Target, rng: Rng): { payload: Buffer; headerBytes: number } {
    const messages = API_MESSAGES.get(target.apiKey)!;
    const w = new Writer(256);
    RequestHeader.write(w, requestHeaderVersion(target.apiKey, target.version), {
      requestApiKey: target.apiKey,
      requestApiVersion: target.version,
      correlationId: rng.chance(0.5) ? rng.int(0, 1000) : rng.int(-0x8000_0000, 0x7fff_ffff),
      clientId: rng.chance(0.1) ? null : rng.pick(['fuzz', '', 'rdkafka', randomString(rng)]),
    });
    const headerBytes = w.length;
    messages.request.write(w, target.version, this.message(target.apiKey, target.version, rng));
    return { payload: w.toBuffer(), headerBytes };
  }

  private struct(s: Struct, v: number, rng: Rng, model: Model, depth: number): Record<string, unknown> {
    const o: Record<string, unknown> = {};
    for (const f of s.fields) {
      if (!inVersion(f.versions, v)) o[f.name] = this.gen.defaultValue(f, model);
      else if (inVersion(f.nullable, v) && rng.chance(0.15)) o[f.name] = null;
      else if (f.tagged && rng.chance(0.4)) o[f.name] = this.gen.defaultValue(f, model);
      else o[f.name] = this.value(f.type, f.name, v, rng, model, depth);
    }
    return o;
  }

  private value(t: FieldType, name: string, v: number, rng: Rng, model: Model, depth: number): unknown {
    if (t.kind === 'prim') return randomPrim(t.prim, name, rng);
    if (t.kind === 'struct') return this.struct(t.struct, v, rng, model, depth + 1);
    const n = depth > 4 ? 0 : rng.chance(0.03) ? rng.int(4, 40) : rng.int(0, 3);
    const a: unknown[] = [];
    for (let i = 0; i < n; i++) a.push(this.value(t.elem, name, v, rng, model, depth + 1));
    return a;
  }
}

// ---------------------------------------------------------------------------------------------
// Mutations

const INTERESTING_BYTES = [0x00, 0x01, 0x7f, 0x80, 0xff, 0xfe];
const INTERESTING_16 = [0, 1, -1, -2, 0x7fff, -0x8000, 0x100];
const INTERESTING_32 = [0, 1, -1, -2, 0x7fff_ffff, -0x8000_0000, 0x10000, 0x0100_0000, 1 << 20, 100 * 1024 * 1024];
const HUGE_VARINTS = [Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f]), Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff]), Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x01]), Buffer.from([0xfe, 0xff, 0xff, 0xff, 0x07]), Buffer.from([0x00]), Buffer.from([0x01])];

/** Where to aim: mostly the body (after `headerBytes`), sometimes anywhere. */
function position(rng: Rng, length: number, headerBytes: number): number {
  if (length === 0) return 0;
  if (headerBytes < length && rng.chance(0.85)) return rng.int(headerBytes, length - 1);
  return rng.int(0, length - 1);
}

/** Applies 1-4 random mutations; returns the new payload and their names. */
export function mutate(payload: Buffer, headerBytes: number, rng: Rng, other: () => Buffer): { payload: Buffer; how: string } {
  let b = Buffer.from(payload);
  const names: string[] = [];
  const count = rng.chance(0.6) ? 1 : rng.int(2, 4);
  for (let i = 0; i < count; i++) {
    const op = rng.int(0, 13);
    const p = position(rng, b.length, headerBytes);
    switch (op) {
      case 0: {
        names.push('bitflip');
        if (b.length === 0) break;
        for (let n = rng.int(1, 4); n > 0; n--) {
          const q = position(rng, b.length, headerBytes);
          b[q] = b[q]! ^ (1 << rng.int(0, 7));
        }
        break;
      }
      case 1:
        names.push('byte');
        if (b.length > 0) b[p] = rng.pick(INTERESTING_BYTES);
        break;
      case 2:
        names.push('int16');
        if (p + 2 <= b.length) b.writeInt16BE(rng.pick(INTERESTING_16), p);
        break;
      case 3:
        names.push('int32');
        if (p + 4 <= b.length) b.writeInt32BE(rng.pick(INTERESTING_32), p);
        break;
      case 4: {
        names.push('varint');
        const v = rng.pick(HUGE_VARINTS);
        b = rng.chance(0.5) ? Buffer.concat([b.subarray(0, p), v, b.subarray(p)]) : Buffer.concat([b.subarray(0, p), v, b.subarray(Math.min(b.length, p + v.length))]);
        break;
      }
      case 5:
        names.push('insert');
        b = Buffer.concat([b.subarray(0, p), rng.bytes(rng.int(1, 32)), b.subarray(p)]);
        break;
      case 6:
        names.push('delete');
        b = Buffer.concat([b.subarray(0, p), b.subarray(Math.min(b.length, p + rng.int(1, 32)))]);
        break;
      case 7:
        names.push('truncate');
        b = b.subarray(0, rng.chance(0.2) ? rng.int(0, Math.min(b.length, 12)) : p);
        break;
      case 8:
        names.push('append');
        b = Buffer.concat([b, rng.bytes(rng.int(1, 64))]);
        break;
      case 9: {
        names.push('duplicate');
        const len = rng.int(1, 64);
        b = Buffer.concat([b.subarray(0, p), b.subarray(p, p + len), b.subarray(p)]);
        break;
      }
      case 10: {
        names.push('splice');
        const o = other();
        const from = rng.int(0, o.length);
        b = Buffer.concat([b.subarray(0, p), o.subarray(from, from + rng.int(1, 200))]);
        break;
      }
      case 11:
        names.push('random-body');
        b = Buffer.concat([b.subarray(0, Math.min(b.length, headerBytes)), rng.bytes(rng.chance(0.1) ? rng.int(100, 2000) : rng.int(0, 64))]);
        break;
      case 12:
        names.push('version');
        if (b.length >= 4) b.writeInt16BE(rng.chance(0.7) ? rng.int(-1, 20) : rng.int(-32768, 32767), 2);
        break;
      default:
        names.push('api-key');
        if (b.length >= 2) b.writeInt16BE(rng.chance(0.8) ? rng.pick([...API_MESSAGES.keys(), 4, 5, 17, 36, 37, 9999, -1]) : rng.int(-32768, 32767), 0);
        break;
    }
  }
  return { payload: b, how: `mutated:${names.join('+')}` };
}
