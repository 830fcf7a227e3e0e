/**
 * The generator on a made-up specification that uses what the vendored ones do not (or rarely):
 * two inline structs with the same name, a common struct, a nullable struct, a field-level
 * flexibleVersions override, uint32/float64, an octal default, a nullable tagged field with a
 * non-null default, and a field that is positional in old versions and tagged in new ones. The
 * generated module is type-checked with the repo's strict settings, loaded, and round-tripped
 * against the reference encoder.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { Reader } from '../../../../src/kafka/protocol/reader.js';
import { Writer } from '../../../../src/kafka/protocol/writer.js';
import { hex, loadGenerator, normalise, randomStruct, refStruct, ROOT, seeded, top, versionsOf, type Codec, type Model } from './support.js';

const gen = (await loadGenerator()) as Awaited<ReturnType<typeof loadGenerator>> & {
  generateModule(model: Model, specFile: string): string;
  parseSpecText(text: string): unknown;
};

const SPEC = `// A made-up message.
{
  "apiKey": 999,
  "type": "request",
  "name": "SyntheticRequest",
  "validVersions": "0-4",
  "flexibleVersions": "3+",
  "fields": [
    // comment lines are dropped
    { "name": "ID", "type": "uint32", "versions": "0+" },
    { "name": "Ratio", "type": "float64", "versions": "1+", "default": "0.5" },
    { "name": "Plain", "type": "string", "versions": "0+", "flexibleVersions": "none" },
    { "name": "Items", "type": "[]Item", "versions": "0+", "fields": [
      { "name": "Name", "type": "string", "versions": "0+" },
      { "name": "Detail", "type": "Detail", "versions": "2+", "nullableVersions": "2+", "fields": [
        { "name": "Code", "type": "int16", "versions": "0+", "default": "-1" }
      ]}
    ]},
    { "name": "Others", "type": "[]Item", "versions": "1+", "fields": [
      { "name": "Weight", "type": "int64", "versions": "0+", "default": "-1" }
    ]},
    { "name": "Common", "type": "Shared", "versions": "0+" },
    { "name": "Shareds", "type": "[]Shared", "versions": "0+", "nullableVersions": "2+" },
    { "name": "Note", "type": "string", "versions": "0+", "nullableVersions": "0+", "default": "hi",
      "taggedVersions": "3+", "tag": 5 },
    { "name": "Flag", "type": "bool", "versions": "0+", "taggedVersions": "4+", "tag": 1 },
    { "name": "Blob", "type": "bytes", "versions": "0+", "nullableVersions": "1+" },
    { "name": "Octal", "type": "int32", "versions": "0+", "default": "010" },
    { "name": "Gone", "type": "int16", "versions": "0-1", "default": "7" }
  ],
  "commonStructs": [
    { "name": "Shared", "versions": "0+", "fields": [
      { "name": "X", "type": "int8", "versions": "0+" },
      { "name": "Id", "type": "uuid", "versions": "1+" }
    ]}
  ]
}
`;

const model = gen.buildModel(gen.parseSpecText(SPEC));
const code = gen.generateModule(model, 'SyntheticRequest.json');
const dir = mkdtempSync(join(tmpdir(), 'kafka-gen-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
mkdirSync(join(dir, 'messages'));
copyFileSync(join(ROOT, 'src/kafka/protocol/reader.ts'), join(dir, 'reader.ts'));
copyFileSync(join(ROOT, 'src/kafka/protocol/writer.ts'), join(dir, 'writer.ts'));
const file = join(dir, 'messages', 'synthetic-request.ts');
writeFileSync(file, code);

describe('generator on a made-up specification', () => {
  it('names: duplicate struct names are qualified, common structs keep theirs', () => {
    expect(code).toContain('export interface SyntheticRequest {');
    expect(code).toContain('export interface Item {');
    expect(code).toContain('export interface SyntheticRequestItem {');
    expect(code).toContain('export interface Detail {');
    expect(code).toContain('export interface Shared {');
    expect(code).toMatch(/\n {2}id: number;/);
    expect(code).toContain('others: SyntheticRequestItem[];');
    expect(code).toContain('detail: Detail | null;');
    expect(code).toContain('export const API_KEY = 999;');
    expect(code).toContain('export const FLEXIBLE_FROM: number | null = 3;');
  });

  it('type-checks under strict, noUnusedLocals, noUnusedParameters', () => {
    const tsc = join(ROOT, 'node_modules', '.bin', 'tsc');
    const res = spawnSync(
      tsc,
      [
        '--noEmit', '--strict', '--noUnusedLocals', '--noUnusedParameters', '--noImplicitOverride',
        '--target', 'es2022', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--skipLibCheck',
        '--types', 'node', '--typeRoots', join(ROOT, 'node_modules', '@types'),
        file,
      ],
      { encoding: 'utf8', cwd: dir },
    );
    expect(res.stdout + res.stderr).toBe('');
    expect(res.status).toBe(0);
  }, 120_000);

  it('round-trips every version against the reference encoder', async () => {
    const codec = (await import(pathToFileURL(file).href)) as Codec;
    const s = top(model);
    expect(codec.defaults()).toEqual(gen.structDefaults(s, model));
    expect(codec.defaults()).toMatchObject({ ratio: 0.5, note: 'hi', octal: 8, gone: 7, blob: Buffer.alloc(0), common: { x: 0, id: '00000000-0000-0000-0000-000000000000' } });
    for (const v of versionsOf(model)) {
      for (let i = 0; i < 40; i++) {
        const value = randomStruct(s, v, seeded(v * 100 + i), model, gen);
        const w = new Writer();
        codec.write(w, v, value);
        const bytes = w.toBuffer();
        const ref = new Writer();
        refStruct(ref, s, v, value, model, gen);
        if (!bytes.equals(ref.toBuffer())) expect.fail(`v${v} #${i}\n${hex(bytes)}\n${hex(ref.toBuffer())}`);
        const r = new Reader(bytes);
        expect(codec.read(r, v)).toEqual(normalise(s, v, value, model, gen));
        expect(r.remaining()).toBe(0);
      }
    }
  });

  it('hand-checked bytes: field-level flexibleVersions, nullable struct, positional-then-tagged field, tagged null', async () => {
    const codec = (await import(pathToFileURL(file).href)) as Codec;
    const m = {
      ...(codec.defaults() as Record<string, unknown>),
      id: 0xfffffffe,
      plain: 'p',
      items: [{ name: 'a', detail: null }, { name: 'b', detail: { code: 2 } }],
      flag: true,
      note: null,
    };
    const enc = (v: number): string => {
      const w = new Writer();
      codec.write(w, v, m);
      return w.toBuffer().toString('hex');
    };
    // v3: flexible; Plain stays int16-length; Detail is int8 -1 / 1 + struct; Flag positional; Note tagged (null ≠ "hi")
    expect(enc(3)).toBe(
      'fffffffe' + '3fe0000000000000' + '0001' + '70' +
        '03' + ('0261' + 'ff' + '00') + ('0262' + '01' + '0002' + '00' + '00') +
        '01' + ('00' + '00000000000000000000000000000000' + '00') + '01' + '01' + '01' + '00000008' +
        '01' + '05' + '01' + '00',
    );
    // v4: Flag moves to the tagged section (tag 1 before tag 5)
    expect(enc(4)).toBe(
      'fffffffe' + '3fe0000000000000' + '0001' + '70' +
        '03' + ('0261' + 'ff' + '00') + ('0262' + '01' + '0002' + '00' + '00') +
        '01' + ('00' + '00000000000000000000000000000000' + '00') + '01' + '01' + '00000008' +
        '02' + '01' + '01' + '01' + '05' + '01' + '00',
    );
    // v0: no Ratio, no Others, no Detail, no tags; Note and Flag positional; Gone present
    expect(enc(0)).toBe('fffffffe' + '0001' + '70' + '00000002' + '000161' + '000162' + '00' + '00000000' + 'ffff' + '01' + '00000000' + '00000008' + '0007');
  });
});
