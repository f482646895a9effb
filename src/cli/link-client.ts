/**
 * The host end of the serial link (engine/firmware/link-protocol.ts) over a Node stream: a TCP
 * socket (QEMU's `-serial tcp:...`, "tcp:HOST:PORT") or a serial device path (set to raw mode with
 * stty first). Frames are read in order; each request waits for its answer with a time limit.
 */
import { spawnSync } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { connect } from 'node:net';
import type { Readable, Writable } from 'node:stream';
import { FrameReader, LinkError, type Frame } from '../engine/firmware/link-protocol.ts';

export class LinkClient {
  private readonly reader = new FrameReader();
  private readonly queue: Frame[] = [];
  private waiter: ((f: Frame | Error) => void) | null = null;
  private failure: Error | null = null;

  constructor(input: Readable, private readonly output: Writable, private readonly close: () => void) {
    input.on('data', (chunk: Buffer) => {
      for (const f of this.reader.push(new Uint8Array(chunk))) {
        // A corrupt frame from the board is a broken link: said, not skipped silently.
        const frame = 'corrupt' in f ? new LinkError(`the board sent ${f.corrupt}`) : f;
        if (this.waiter) {
          const w = this.waiter;
          this.waiter = null;
          w(frame);
        } else if (frame instanceof Error) this.failure = frame;
        else this.queue.push(frame);
      }
    });
    const end = (why: string) => () => {
      const e = new LinkError(why);
      this.failure ??= e;
      if (this.waiter) {
        const w = this.waiter;
        this.waiter = null;
        w(e);
      }
    };
    input.on('end', end('the link closed'));
    input.on('error', (e) => end(`the link failed: ${e.message}`)());
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

  send(bytes: Uint8Array): void {
    this.output.write(bytes);
  }

  async request(bytes: Uint8Array, timeoutMs?: number): Promise<Frame> {
    this.send(bytes);
    return this.next(timeoutMs);
  }

  end(): void {
    this.close();
  }
}

/** Opens "tcp:HOST:PORT" or a serial device path (raw mode, `baud`). */
export async function openLink(port: string, baud = 115200): Promise<LinkClient> {
  const tcp = /^tcp:([^:]{1,255}):(\d{1,5})$/.exec(port);
  if (tcp) {
    // QEMU (or a serial-over-TCP bridge) may still be starting: connection refusals are retried for 10 s.
    for (let attempt = 0; ; attempt++) {
      const socket = connect({ host: tcp[1], port: Number(tcp[2]) });
      try {
        await new Promise<void>((resolve, reject) => {
          socket.once('connect', resolve);
          socket.once('error', reject);
        });
      } catch (e) {
        socket.destroy();
        if ((e as NodeJS.ErrnoException).code === 'ECONNREFUSED' && attempt < 100) {
          await new Promise((r) => setTimeout(r, 100));
          continue;
        }
        throw new LinkError(`cannot connect to ${port}: ${(e as Error).message}`);
      }
      socket.setNoDelay(true);
      return new LinkClient(socket, socket, () => socket.destroy());
    }
  }
  const stty = spawnSync('stty', ['-F', port, 'raw', '-echo', String(baud)], { encoding: 'utf8' });
  if (stty.status !== 0) throw new LinkError(`cannot set ${port} to raw mode at ${baud} baud: ${(stty.stderr || stty.error?.message || '').trim().split('\n')[0]}`);
  const input = createReadStream(port);
  const output = createWriteStream(port);
  return new LinkClient(input, output, () => { input.destroy(); output.destroy(); });
}
