/**
 * Shared by the protocol codec tests: the generator (scripts/gen-kafka-messages.mjs) and its
 * model of every specification, a seeded random value builder, the normalisation of a value to
 * what a reader of one version gives back, and a reference encoder that interprets the model at
 * run time (independent of the generated straight-line code).
 */
import { isDeepStrictEqual } from 'node:util';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Reader } from '../../../../src/kafka/protocol/reader.js';
import { Writer } from '../../../../src/kafka/protocol/writer.js';
import * as Messages from '../../../../src/kafka/protocol/messages/index.js';

export const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
export const SPEC_DIR = join(ROOT, 'src', 'kafka', 'spec');
export const OUT_DIR = join(ROOT, 'src', 'kafka', 'protocol', 'messages');

export interface Range {
  lo: number;
  hi: number;
}
export type FieldType = { kind: 'prim'; prim: string } | { kind: 'array'; elem: FieldType } | { kind: 'struct'; struct: Struct };
export interface Field {
  jsonName: string;
  name: string;
  type: FieldType;
  versions: Range | null;
  nullable: Range | null;
  tagged: Range | null;
  tag?: number;
  flexible: Range | null;
}
export interface Struct {
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
export interface Generator {
  DEFAULT_SPEC_DIR: string;
  DEFAULT_OUT_DIR: string;
  generate(specDir?: string): Map<string, string>;
  generateToDir(outDir?: string, specDir?: string): string[];
  loadSpecs(specDir?: string): { file: string; spec: unknown }[];
  buildModel(spec: unknown): Model;
  defaultValue(f: Field, model: Model): unknown;
  structDefaults(s: Struct, model: Model): Record<string, unknown>;
  camelName(name: string): string;
  kebabName(name: string): string;
}

export interface Codec {
  MIN_VERSION: number;
  MAX_VERSION: number;
  FLEXIBLE_FROM: number | null;
  read(r: Reader, version: number): unknown;
  write(w: Writer, version: number, m: unknown): void;
  defaults(): unknown;
}

let generatorPromise: Promise<Generator> | undefined;
/** The generator module (plain ESM JavaScript, loaded by URL). */
export function loadGenerator(): Promise<Generator> {
  generatorPromise ??= import(pathToFileURL(join(ROOT, 'scripts', 'gen-kafka-messages.mjs')).href) as Promise<Generator>;
  return generatorPromise;
}

/** Every specification's model, in file order. */
export async function loadModels(): Promise<Model[]> {
  const gen = await loadGenerator();
  return gen.loadSpecs(SPEC_DIR).map(({ spec }) => gen.buildModel(spec));
}

/** The generated module of a message, e.g. codecOf('ProduceRequest'). */
export function codecOf(name: string): Codec {
  const c = (Messages as unknown as Record<string, Codec | undefined>)[name];
  if (!c) throw new Error(`no generated module for ${name}`);
  return c;
}

export const inVersion = (r: Range | null, v: number): boolean => r !== null && v >= r.lo && v <= r.hi;

const typeHasNull = (f: Field): boolean => f.nullable !== null || (f.type.kind === 'prim' && f.type.prim === 'records');

// ---------------------------------------------------------------------------------------------
// Seeded randomness

export type Rand = () => number;

/** mulberry32 */
export function seeded(seed: number): Rand {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const int = (rnd: Rand, lo: number, hi: number): number => lo + Math.floor(rnd() * (hi - lo + 1));
const CHARS = ['a', 'b', 'z', 'A', '0', '-', '.', '_', ' ', 'é', 'ß', '漢', '😀'];

function randomPrim(prim: string, rnd: Rand): unknown {
  switch (prim) {
    case 'bool':
      return rnd() < 0.5;
    case 'int8':
      return int(rnd, -128, 127);
    case 'int16':
      return int(rnd, -32768, 32767);
    case 'uint16':
      return int(rnd, 0, 65535);
    case 'int32':
      return rnd() < 0.3 ? int(rnd, -2, 5) : int(rnd, -0x8000_0000, 0x7fff_ffff);
    case 'uint32':
      return int(rnd, 0, 0xffff_ffff);
    case 'int64': {
      const k = rnd();
      if (k < 0.2) return int(rnd, -2, 5);
      if (k < 0.3) return rnd() < 0.5 ? Number.MAX_SAFE_INTEGER : Number.MIN_SAFE_INTEGER;
      return int(rnd, -0x1f_ffff_ffff_ffff, 0x1f_ffff_ffff_ffff);
    }
    case 'float64':
      return rnd() < 0.2 ? int(rnd, 0, 3) : (rnd() - 0.5) * 1e9 + 0.25;
    case 'string': {
      let s = '';
      for (let n = int(rnd, 0, 12); n > 0; n--) s += CHARS[int(rnd, 0, CHARS.length - 1)];
      return s;
    }
    case 'uuid': {
      if (rnd() < 0.15) return '00000000-0000-0000-0000-000000000000';
      let h = '';
      for (let i = 0; i < 32; i++) h += int(rnd, 0, 15).toString(16);
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
    }
    case 'bytes':
    case 'records': {
      const n = rnd() < 0.05 ? int(rnd, 4096, 9000) : int(rnd, 0, 16);
      const b = Buffer.alloc(n);
      for (let i = 0; i < n; i++) b[i] = int(rnd, 0, 255);
      return b;
    }
    default:
      throw new Error(`unknown primitive ${prim}`);
  }
}

function randomOfType(t: FieldType, rnd: Rand, v: number, model: Model, gen: Generator, depth: number): unknown {
  if (t.kind === 'prim') return randomPrim(t.prim, rnd);
  if (t.kind === 'struct') return randomStruct(t.struct, v, rnd, model, gen, depth + 1);
  const n = depth > 6 ? 0 : int(rnd, 0, 3);
  const a: unknown[] = [];
  for (let i = 0; i < n; i++) a.push(randomOfType(t.elem, rnd, v, model, gen, depth));
  return a;
}

/**
 * A random value of struct `s` meant to be written in version `v`: fields on the wire in `v` are
 * null only where nullable in `v`; other fields get any value of their type (the writer must
 * leave them out). Tagged fields are sometimes at their default (so not sent).
 */
export function randomStruct(s: Struct, v: number, rnd: Rand, model: Model, gen: Generator, depth = 0): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const f of s.fields) {
    const present = inVersion(f.versions, v);
    const mayBeNull = present ? inVersion(f.nullable, v) : typeHasNull(f);
    if (mayBeNull && rnd() < 0.2) o[f.name] = null;
    else if (f.tagged && rnd() < 0.3) o[f.name] = gen.defaultValue(f, model);
    else o[f.name] = randomOfType(f.type, rnd, v, model, gen, depth);
  }
  return o;
}

/** What a reader of version `v` gives back for `value`: fields absent in `v` at their defaults. */
export function normalise(s: Struct, v: number, value: Record<string, unknown>, model: Model, gen: Generator): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const f of s.fields) {
    const x = value[f.name];
    if (!inVersion(f.versions, v)) o[f.name] = gen.defaultValue(f, model);
    else if (x === null) o[f.name] = null;
    else if (f.type.kind === 'struct') o[f.name] = normalise(f.type.struct, v, x as Record<string, unknown>, model, gen);
    else if (f.type.kind === 'array' && f.type.elem.kind === 'struct') {
      const st = f.type.elem.struct;
      o[f.name] = (x as Record<string, unknown>[]).map((e) => normalise(st, v, e, model, gen));
    } else o[f.name] = x;
  }
  return o;
}

// ---------------------------------------------------------------------------------------------
// Reference encoder: interprets the model (no generated code involved).

function refPrim(w: Writer, prim: string, x: unknown, flex: boolean, nullable: boolean): void {
  switch (prim) {
    case 'string':
      if (flex) nullable ? w.compactNullableString(x as string | null) : w.compactString(x as string);
      else nullable ? w.nullableString(x as string | null) : w.string(x as string);
      return;
    case 'bytes':
    case 'records':
      if (flex) nullable ? w.compactNullableBytes(x as Buffer | null) : w.compactBytes(x as Buffer);
      else nullable ? w.nullableBytes(x as Buffer | null) : w.bytes(x as Buffer);
      return;
    default:
      (w as unknown as Record<string, (y: unknown) => void>)[prim]!.call(w, x);
  }
}

function refValue(w: Writer, t: FieldType, x: unknown, v: number, flex: boolean, nullable: boolean, model: Model, gen: Generator): void {
  if (t.kind === 'prim') return refPrim(w, t.prim, x, flex, nullable);
  if (t.kind === 'struct') {
    if (nullable) {
      if (x === null) return w.int8(-1);
      w.int8(1);
    }
    return refStruct(w, t.struct, v, x as Record<string, unknown>, model, gen);
  }
  if (x === null) {
    if (!nullable) throw new Error('null array where not nullable');
    return flex ? w.uvarint(0) : w.int32(-1);
  }
  const a = x as unknown[];
  if (flex) w.uvarint(a.length + 1);
  else w.int32(a.length);
  for (const e of a) refValue(w, t.elem, e, v, flex, false, model, gen);
}

export function refStruct(w: Writer, s: Struct, v: number, value: Record<string, unknown>, model: Model, gen: Generator): void {
  for (const f of s.fields) {
    if (!inVersion(f.versions, v) || inVersion(f.tagged, v)) continue;
    refValue(w, f.type, value[f.name], v, inVersion(f.flexible, v), inVersion(f.nullable, v), model, gen);
  }
  if (!inVersion(model.flexible, v)) return;
  const tagged = s.fields
    .filter((f) => inVersion(f.versions, v) && inVersion(f.tagged, v) && !isDeepStrictEqual(value[f.name], gen.defaultValue(f, model)))
    .sort((a, b) => a.tag! - b.tag!);
  w.uvarint(tagged.length);
  for (const f of tagged) {
    const t = new Writer();
    refValue(t, f.type, value[f.name], v, true, inVersion(f.nullable, v), model, gen);
    w.uvarint(f.tag!);
    w.uvarint(t.length);
    w.raw(t.toBuffer());
  }
}

export function versionsOf(model: Model): number[] {
  const out: number[] = [];
  for (let v = model.valid.lo; v <= model.valid.hi; v++) out.push(v);
  return out;
}

export const top = (model: Model): Struct => model.structs.find((s) => s.top)!;

/** Writes `m` with a generated codec and returns the bytes. */
export function encode(codec: { write(w: Writer, version: number, m: never): void }, version: number, m: unknown): Buffer {
  const w = new Writer();
  (codec.write as (w: Writer, version: number, m: unknown) => void)(w, version, m);
  return w.toBuffer();
}

export const hex = (b: Buffer): string => b.toString('hex').replace(/(..)(?!$)/g, '$1 ');
