/**
 * Every message (request and response, and the headers), every valid version: a seeded random
 * value is written by the generated code, compared byte for byte with the reference encoder (which
 * interprets the specification model at run time), read back, and compared with the value as a
 * reader of that version must see it (fields absent in the version at their defaults).
 */
import { describe, expect, it } from 'vitest';
import { Reader } from '../../../../src/kafka/protocol/reader.js';
import { Writer } from '../../../../src/kafka/protocol/writer.js';
import { codecOf, hex, loadGenerator, loadModels, normalise, randomStruct, refStruct, seeded, top, versionsOf } from './support.js';

const gen = await loadGenerator();
const models = await loadModels();
const SAMPLES = 6;

describe('generated codecs round-trip', () => {
  it('covers every vendored specification', () => {
    expect(models.length).toBe(50);
    expect(models.filter((m) => m.kind === 'header').map((m) => m.name)).toEqual(['RequestHeader', 'ResponseHeader']);
  });

  for (const model of models) {
    it(`${model.name}: every version ${model.valid.lo}..${model.valid.hi}`, () => {
      const codec = codecOf(model.name);
      expect(codec.MIN_VERSION).toBe(model.valid.lo);
      expect(codec.MAX_VERSION).toBe(model.valid.hi);
      const s = top(model);
      // defaults() is what the generator's model says
      expect(codec.defaults()).toEqual(gen.structDefaults(s, model));
      for (const v of versionsOf(model)) {
        // the defaults can be written in every version and read back
        const dw = new Writer();
        codec.write(dw, v, codec.defaults());
        expect(codec.read(new Reader(dw.toBuffer()), v)).toEqual(normalise(s, v, codec.defaults() as Record<string, unknown>, model, gen));
        for (let i = 0; i < SAMPLES; i++) {
          const rnd = seeded(model.name.length * 1000 + v * 31 + i);
          const value = randomStruct(s, v, rnd, model, gen);
          const w = new Writer(16);
          codec.write(w, v, value);
          const bytes = w.toBuffer();
          expect(w.length).toBe(bytes.length);
          const ref = new Writer();
          refStruct(ref, s, v, value, model, gen);
          const refBytes = ref.toBuffer();
          if (!bytes.equals(refBytes)) {
            expect.fail(`${model.name} v${v} sample ${i}: generated and reference bytes differ\n${hex(bytes)}\n${hex(refBytes)}`);
          }
          const r = new Reader(bytes);
          const back = codec.read(r, v);
          expect(r.offset, 'bytes consumed = bytes written').toBe(bytes.length);
          expect(back).toEqual(normalise(s, v, value, model, gen));
        }
      }
    });
  }

  it('reads and writes from a Reader window inside a larger buffer', () => {
    const codec = codecOf('MetadataRequest');
    const w = new Writer();
    w.int32(0x01020304);
    codec.write(w, 9, { ...(codec.defaults() as object), topics: [{ topicId: '00000000-0000-0000-0000-000000000000', name: 'x' }] });
    w.int32(0x05060708);
    const buf = w.toBuffer();
    const r = new Reader(buf, 4, buf.length - 4);
    expect((codec.read(r, 9) as { topics: { name: string }[] }).topics[0]!.name).toBe('x');
    expect(r.remaining()).toBe(0);
  });
});
