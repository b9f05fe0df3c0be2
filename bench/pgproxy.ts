// A counting TCP proxy in front of PostgreSQL: it parses the frontend side of the wire protocol
// and counts round trips (Sync and simple Query messages). The harness points probe instances of
// our service and of the raw baseline at it, so BENCHMARKS.md can show database round trips per
// request for both — and any drift between the raw baseline's SQL and the service's.
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface PgProxy {
  url(databaseUrl: string): string;
  roundTrips(): number;
  close(): Promise<void>;
}

export async function startPgProxy(upstreamUrl: string): Promise<PgProxy> {
  const up = new URL(upstreamUrl);
  let trips = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(Number(up.port || 5432), up.hostname);
    sockets.add(client).add(upstream);
    let buf = Buffer.alloc(0);
    let started = false;
    client.on('data', (chunk: Buffer) => {
      upstream.write(chunk);
      buf = Buffer.concat([buf, chunk]);
      for (;;) {
        // The startup packet has no type byte: int32 length first.
        if (!started) {
          if (buf.length < 4) break;
          const len = buf.readInt32BE(0);
          if (buf.length < len) break;
          buf = buf.subarray(len);
          started = true;
          continue;
        }
        if (buf.length < 5) break;
        const len = buf.readInt32BE(1);
        if (buf.length < 1 + len) break;
        const type = String.fromCharCode(buf[0]!);
        if (type === 'S' || type === 'Q') trips++;
        buf = buf.subarray(1 + len);
      }
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    const close = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', close).on('error', close);
    upstream.on('close', close).on('error', close);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  return {
    url(databaseUrl: string) {
      const u = new URL(databaseUrl);
      u.hostname = '127.0.0.1';
      u.port = String(port);
      return u.toString();
    },
    roundTrips: () => trips,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
