// Hello-world baseline: bare node:http answering every request with a JSON body of the size
// given in `x-body-size` (the harness sends our service's typical response size per scenario).
// It reads and discards request bodies. This is the HTTP ceiling of the machine.
import { createServer } from 'node:http';

const bodies = new Map<number, Buffer>();
function body(size: number): Buffer {
  let b = bodies.get(size);
  if (!b) {
    const pad = Math.max(0, size - '{"hello":""}'.length);
    b = Buffer.from(`{"hello":"${'x'.repeat(pad)}"}`);
    bodies.set(size, b);
  }
  return b;
}

createServer((req, res) => {
  const size = Math.min(1_000_000, Number(req.headers['x-body-size']) || 1000);
  req.resume();
  req.on('end', () => {
    const b = body(size);
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': b.length });
    res.end(b);
  });
}).listen(Number(process.env.PORT ?? 8092), process.env.HOST ?? '127.0.0.1');

process.on('SIGTERM', () => process.exit(0));
