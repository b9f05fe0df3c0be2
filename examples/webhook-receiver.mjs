// A webhook receiver for the README walk-through: verifies each delivery's Standard Webhooks
// signature with the `standardwebhooks` package and prints the event.
//   SECRET=whsec_… PORT=9090 node examples/webhook-receiver.mjs
import { createServer } from 'node:http';
import { Webhook } from 'standardwebhooks';

const webhook = new Webhook(process.env.SECRET);
const port = Number(process.env.PORT ?? 9090);

createServer((req, res) => {
  let body = '';
  req.on('data', (chunk) => (body += chunk));
  req.on('end', () => {
    try {
      const event = webhook.verify(body, req.headers);
      console.log(`verified ${event.type} ${event.object_id} (delivery of event ${req.headers['webhook-id']})`);
      res.writeHead(204).end();
    } catch (err) {
      console.log(`rejected: ${err.message}`);
      res.writeHead(400).end();
    }
  });
}).listen(port, '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${port}/hook`));
