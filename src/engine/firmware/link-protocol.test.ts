/** The link's framing: frames survive being split anywhere, garbage before a sync is skipped, a bad checksum is reported and resynced past. */
import { describe, expect, it } from 'vitest';
import { encodeFrame, FRAME, FrameReader, LinkError, parseHello, parsePredicted, predictFrame, trainFrame } from './link-protocol.ts';

describe('link frames', () => {
  const hello = new Uint8Array(16);
  new DataView(hello.buffer).setUint32(0, 0xdeadbeef, true);
  new DataView(hello.buffer).setUint32(12, 10, true);

  it('reads frames split at every byte, after garbage', () => {
    const stream = new Uint8Array([0x00, 0xa5, 0x13, ...encodeFrame(FRAME.HELLO, hello), ...trainFrame(Int8Array.of(-1, 2, -3), 7)]);
    for (let cut = 0; cut <= stream.length; cut++) {
      const r = new FrameReader();
      const frames = [...r.push(stream.subarray(0, cut)), ...r.push(stream.subarray(cut))];
      expect(frames).toHaveLength(2);
      expect(parseHello(frames[0] as never)).toEqual({ modelFingerprint: 0xdeadbeef, schemeFingerprint: 0, inputBytes: 0, classes: 10 });
      expect(frames[1]).toEqual({ type: FRAME.TRAIN, payload: Uint8Array.of(7, 0xff, 2, 0xfd) });
    }
  });

  it('reports a bad checksum and finds the next frame', () => {
    const bad = encodeFrame(FRAME.HELLO, hello);
    bad[9] ^= 1;
    const frames = new FrameReader().push(new Uint8Array([...bad, ...encodeFrame(FRAME.DUMP)]));
    expect(frames[0]).toEqual({ corrupt: 'a frame with a bad checksum' });
    expect(frames.at(-1)).toEqual({ type: FRAME.DUMP, payload: new Uint8Array(0) });
  });

  it('refuses a declared length beyond its limit without waiting for it', () => {
    const f = encodeFrame(FRAME.RECORD, new Uint8Array(100));
    expect(new FrameReader(50).push(f)[0]).toEqual({ corrupt: 'a frame declares 100 bytes, more than the 50 a board sends' });
  });

  it('PREDICT carries the input alone; PREDICTED holds the class and the head\'s int8 or float32 logits, checked against the classes', () => {
    expect(new FrameReader().push(predictFrame(Int8Array.of(-1, 2)))[0]).toEqual({ type: FRAME.PREDICT, payload: Uint8Array.of(0xff, 2) });
    const f32 = { type: FRAME.PREDICTED, payload: Uint8Array.of(1, 3, 7, 0, 0, 0, ...new Uint8Array(Float32Array.of(-1.5, 2.25).buffer)) };
    expect(parsePredicted(f32, 2)).toEqual({ predicted: 1, ticks: 7, logits: Float32Array.of(-1.5, 2.25) });
    const i8 = { type: FRAME.PREDICTED, payload: Uint8Array.of(0, 1, 0, 1, 0, 0, 0x7f, 0x80) };
    expect(parsePredicted(i8, 2)).toEqual({ predicted: 0, ticks: 256, logits: Int8Array.of(127, -128) });
    expect(() => parsePredicted(i8, 3)).toThrow(LinkError);
    expect(() => parsePredicted({ ...i8, payload: Uint8Array.of(2, 1, 0, 0, 0, 0, 1, 2) }, 2)).toThrow(/a class below 2/);
    expect(() => parsePredicted({ ...i8, payload: Uint8Array.of(0, 2, 0, 0, 0, 0, 1, 2) }, 2)).toThrow(LinkError);
  });
});
