/**
 * The serial protocol between the studio (host) and an exported firmware built with -DTT_LINK
 * (codegen/c-link.ts): the board trains on samples the host sends instead of those in Flash.
 * Documented in docs/serial-protocol.md. Every frame, both ways:
 *
 *   0xA5 0x5A | type u8 | length u32 LE | payload (length bytes) | CRC-32 LE of type, length and payload
 *
 * Host -> board: TRAIN (label u8, then the int8 C x H x W input), PREDICT (the input alone), DUMP (no
 * payload), RESET (no payload).
 * Board -> host: HELLO when it starts (model and scheme fingerprints, input bytes, classes),
 * TRAINED (step u32, loss f32, predicted class u8, the step's timer ticks u32), PREDICTED (class u8,
 * the logits' dtype u8, ticks u32, the head's logits), RECORD (the weights record, firmware/weights-record.ts),
 * RESETTING, and ERROR (code u8, then one sentence in ASCII) for a frame it refuses; it then waits for
 * the next frame (it looks for the next 0xA5 0x5A).
 */
import { crc32 } from '../io/zip.ts';
import { InputError } from '../input-error.ts';

export const SYNC = [0xa5, 0x5a] as const;
export const FRAME = {
  TRAIN: 0x01, PREDICT: 0x02, DUMP: 0x03, RESET: 0x04,
  HELLO: 0x80, TRAINED: 0x81, PREDICTED: 0x82, RECORD: 0x83, RESETTING: 0x84, ERROR: 0xee,
} as const;
export const ERROR_CODES = { CHECKSUM: 1, UNKNOWN: 2, LENGTH: 3, LABEL: 4, TOO_LONG: 5 } as const;
/** The longest payload the host accepts from a board (a weights record is at most a model file). */
export const MAX_HOST_PAYLOAD = 64 * 1024 * 1024;

export class LinkError extends InputError {
  override name = 'LinkError';
}

export interface Frame {
  type: number;
  payload: Uint8Array;
}

export function encodeFrame(type: number, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  const out = new Uint8Array(2 + 1 + 4 + payload.length + 4);
  const v = new DataView(out.buffer);
  out[0] = SYNC[0];
  out[1] = SYNC[1];
  out[2] = type;
  v.setUint32(3, payload.length, true);
  out.set(payload, 7);
  v.setUint32(7 + payload.length, crc32(out.subarray(2, 7 + payload.length)), true);
  return out;
}

export function trainFrame(input: Int8Array, label: number): Uint8Array {
  const p = new Uint8Array(1 + input.length);
  p[0] = label;
  p.set(new Uint8Array(input.buffer, input.byteOffset, input.length), 1);
  return encodeFrame(FRAME.TRAIN, p);
}

/** PREDICT: the forward pass alone on this input (the board trains nothing). */
export function predictFrame(input: Int8Array): Uint8Array {
  return encodeFrame(FRAME.PREDICT, new Uint8Array(input.buffer, input.byteOffset, input.length));
}

/**
 * Frames out of a byte stream, in pieces as they arrive. Bytes before a sync are skipped; a frame
 * whose checksum fails is reported as such (the stream then resyncs at the next 0xA5 0x5A).
 */
export class FrameReader {
  private buf = new Uint8Array(0);

  constructor(private readonly maxPayload = MAX_HOST_PAYLOAD) {}

  push(bytes: Uint8Array): (Frame | { corrupt: string })[] {
    const joined = new Uint8Array(this.buf.length + bytes.length);
    joined.set(this.buf);
    joined.set(bytes, this.buf.length);
    this.buf = joined;
    const out: (Frame | { corrupt: string })[] = [];
    for (;;) {
      let s = 0;
      while (s + 1 < this.buf.length && !(this.buf[s] === SYNC[0] && this.buf[s + 1] === SYNC[1])) s++;
      this.buf = this.buf.subarray(s);
      if (this.buf.length < 7) break;
      const v = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.length);
      const len = v.getUint32(3, true);
      if (len > this.maxPayload) {
        out.push({ corrupt: `a frame declares ${len} bytes, more than the ${this.maxPayload} a board sends` });
        this.buf = this.buf.subarray(2);
        continue;
      }
      if (this.buf.length < 11 + len) break;
      const crc = v.getUint32(7 + len, true);
      if (crc !== crc32(this.buf.subarray(2, 7 + len))) {
        out.push({ corrupt: 'a frame with a bad checksum' });
        this.buf = this.buf.subarray(2);
        continue;
      }
      out.push({ type: this.buf[2], payload: this.buf.slice(7, 7 + len) });
      this.buf = this.buf.subarray(11 + len);
    }
    return out;
  }
}

export interface Hello { modelFingerprint: number; schemeFingerprint: number; inputBytes: number; classes: number }
export interface Trained { step: number; loss: number; predicted: number; ticks: number }

function need(f: Frame, type: number, len: number, what: string): DataView {
  if (f.type !== type || f.payload.length !== len) throw new LinkError(`the board sent frame type 0x${f.type.toString(16)} of ${f.payload.length} bytes where ${what} was expected`);
  return new DataView(f.payload.buffer, f.payload.byteOffset, f.payload.length);
}

export function parseHello(f: Frame): Hello {
  const v = need(f, FRAME.HELLO, 16, 'its HELLO (16 bytes)');
  return { modelFingerprint: v.getUint32(0, true), schemeFingerprint: v.getUint32(4, true), inputBytes: v.getUint32(8, true), classes: v.getUint32(12, true) };
}

export function parseTrained(f: Frame): Trained {
  const v = need(f, FRAME.TRAINED, 13, 'TRAINED (13 bytes)');
  return { step: v.getUint32(0, true), loss: v.getFloat32(4, true), predicted: v.getUint8(8), ticks: v.getUint32(9, true) };
}

export interface Predicted {
  predicted: number;
  /** The head's logits as it wrote them: int8 (an int8 head) or float32. */
  logits: Int8Array | Float32Array;
  ticks: number;
}

/** A PREDICTED answer of a board whose model has `classes` classes. */
export function parsePredicted(f: Frame, classes: number): Predicted {
  const dtype = f.payload[1];
  const size = dtype === 1 ? 1 : dtype === 3 ? 4 : 0;
  if (f.type !== FRAME.PREDICTED || size === 0 || f.payload.length !== 6 + classes * size || f.payload[0] >= classes) {
    throw new LinkError(`the board sent frame type 0x${f.type.toString(16)} of ${f.payload.length} bytes where PREDICTED (a class below ${classes}, int8 or float32 logits) was expected`);
  }
  const v = new DataView(f.payload.buffer, f.payload.byteOffset, f.payload.length);
  const body = f.payload.slice(6);
  return { predicted: f.payload[0], ticks: v.getUint32(2, true), logits: size === 1 ? new Int8Array(body.buffer) : new Float32Array(body.buffer) };
}

/** Whatever sends a frame and waits for the board's answer (a LinkSession, the CLI's LinkClient). */
export interface LinkRequester {
  request(bytes: Uint8Array, timeoutMs?: number): Promise<Frame>;
}

/** The board's prediction of one image (a PREDICT frame and its answer); an ERROR answer is thrown as a sentence. */
export async function predictOnBoard(link: LinkRequester, input: Int8Array, classes: number): Promise<Predicted> {
  const f = await link.request(predictFrame(input));
  if (f.type === FRAME.ERROR) throw new LinkError(`the board refused a PREDICT frame: ${parseError(f).message}`);
  return parsePredicted(f, classes);
}

export function parseError(f: Frame): { code: number; message: string } {
  return { code: f.payload[0] ?? 0, message: String.fromCharCode(...f.payload.subarray(1, 200)).replace(/[^\x20-\x7e]/g, '?') };
}

/**
 * One conversation with a board over any byte transport: bytes in (`receive`), frames out in order,
 * each request waiting for its answer with a time limit. The CLI's socket or serial device and the
 * page's Web Serial port both feed one of these.
 */
export class LinkSession {
  private readonly reader = new FrameReader();
  private readonly queue: Frame[] = [];
  private waiter: ((f: Frame | Error) => void) | null = null;
  private failure: Error | null = null;

  constructor(private readonly write: (bytes: Uint8Array) => void) {}

  receive(bytes: Uint8Array): void {
    for (const f of this.reader.push(bytes)) {
      // A corrupt frame from the board is a broken link: said, not skipped silently.
      this.deliver('corrupt' in f ? new LinkError(`the board sent ${f.corrupt}`) : f);
    }
  }

  /** The transport ended or failed: pending and later requests fail with this. */
  fail(why: string): void {
    this.deliver(new LinkError(why));
  }

  private deliver(f: Frame | Error): void {
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = null;
      w(f);
    } else if (f instanceof Error) this.failure ??= f;
    else this.queue.push(f);
  }

  /** The next frame from the board (within `timeoutMs`). */
  next(timeoutMs = 60_000): Promise<Frame> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.waiter = null;
        reject(new LinkError(`no answer from the board within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      this.waiter = (f) => {
        clearTimeout(t);
        if (f instanceof Error) reject(f);
        else resolve(f);
      };
    });
  }

  request(bytes: Uint8Array, timeoutMs?: number): Promise<Frame> {
    this.write(bytes);
    return this.next(timeoutMs);
  }
}
