/**
 * The host end of the serial link (engine/firmware/link-protocol.ts) over a Node stream: a TCP
 * socket (QEMU's `-serial tcp:...`, "tcp:HOST:PORT") or a serial device path (set to raw mode with
 * stty first), feeding the engine's LinkSession.
 */
import { spawnSync } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { connect } from 'node:net';
import type { Readable, Writable } from 'node:stream';
import { LinkError, LinkSession, type Frame } from '../engine/firmware/link-protocol.ts';

export class LinkClient {
  private readonly session: LinkSession;

  constructor(input: Readable, output: Writable, private readonly close: () => void) {
    this.session = new LinkSession((b) => output.write(b));
    input.on('data', (chunk: Buffer) => this.session.receive(new Uint8Array(chunk)));
    input.on('end', () => this.session.fail('the link closed'));
    input.on('error', (e) => this.session.fail(`the link failed: ${e.message}`));
  }

  /** The next frame from the board (within `timeoutMs`). */
  next(timeoutMs = 60_000): Promise<Frame> {
    return this.session.next(timeoutMs);
  }

  request(bytes: Uint8Array, timeoutMs?: number): Promise<Frame> {
    return this.session.request(bytes, timeoutMs);
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
