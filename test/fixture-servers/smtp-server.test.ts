import assert from 'node:assert/strict';
import net from 'node:net';
import { startSmtpServer, type SmtpServer, type SmtpServerOptions } from './smtp-server';

interface SmtpClient {
  greeting: string;
  send(command: string): Promise<string>;
  socket: net.Socket;
}

/** A minimal line-based SMTP client: each reply ends at a line with a space after the code. */
async function connect(port: number): Promise<SmtpClient> {
  const socket = net.connect(port, '127.0.0.1');
  let buffered = '';
  let waiting: ((reply: string) => void) | undefined;
  const deliver = () => {
    const match = /^(?:\d{3}-.*\r\n)*\d{3} .*\r\n/.exec(buffered);
    if (!match || !waiting) return;
    buffered = buffered.slice(match[0].length);
    const resolve = waiting;
    waiting = undefined;
    resolve(match[0].trimEnd());
  };
  socket.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    deliver();
  });
  const next = () =>
    new Promise<string>((resolve) => {
      waiting = resolve;
      deliver();
    });
  const greeting = await next();
  return {
    greeting,
    socket,
    send: (command) => {
      socket.write(`${command}\r\n`);
      return next();
    },
  };
}

const code = (reply: string) => reply.slice(0, 3);

describe('SMTP fixture server', () => {
  let server: SmtpServer;
  const clients: SmtpClient[] = [];

  async function start(options: SmtpServerOptions): Promise<SmtpClient> {
    server = await startSmtpServer(options);
    const client = await connect(server.port);
    clients.push(client);
    return client;
  }

  afterEach(async () => {
    for (const client of clients.splice(0)) client.socket.destroy();
    await server?.close();
  });

  it('accepts listed mailboxes and rejects others, and records the transcript', async () => {
    const client = await start({ mailboxes: ['alice@example.test'] });

    assert.match(client.greeting, /^220 mx\.fixture\.test/);
    assert.match(await client.send('EHLO verifier.test'), /^250-mx\.fixture\.test\r\n[\s\S]*^250 /m);
    assert.equal(code(await client.send('MAIL FROM:<probe@verifier.test>')), '250');
    assert.equal(code(await client.send('RCPT TO:<Alice@Example.test>')), '250');
    assert.equal(code(await client.send('RCPT TO:<bob@example.test>')), '550');
    assert.equal(code(await client.send('QUIT')), '221');

    assert.deepEqual(
      server.transcript.map((entry) => `${entry.command} -> ${code(entry.reply)}`),
      [
        'EHLO verifier.test -> 250',
        'MAIL FROM:<probe@verifier.test> -> 250',
        'RCPT TO:<Alice@Example.test> -> 250',
        'RCPT TO:<bob@example.test> -> 550',
        'QUIT -> 221',
      ],
    );
  });

  it('accepts every well-formed recipient in catch-all mode', async () => {
    const client = await start({ catchAll: true });
    await client.send('HELO verifier.test');
    await client.send('MAIL FROM:<>');

    assert.equal(code(await client.send('RCPT TO:<anything-random-1234@example.test>')), '250');
    assert.equal(code(await client.send('RCPT TO:not-an-address')), '501');
  });

  it('greylists each recipient for the first attempts, across sessions', async () => {
    const first = await start({ mailboxes: ['alice@example.test'], greylistAttempts: 1 });
    await first.send('EHLO verifier.test');
    await first.send('MAIL FROM:<probe@verifier.test>');
    assert.equal(code(await first.send('RCPT TO:<alice@example.test>')), '450');
    await first.send('QUIT');

    const second = await connect(server.port);
    clients.push(second);
    await second.send('EHLO verifier.test');
    await second.send('MAIL FROM:<probe@verifier.test>');

    assert.equal(code(await second.send('RCPT TO:<alice@example.test>')), '250');
    assert.deepEqual([...new Set(server.transcript.map((entry) => entry.session))], [1, 2]);
  });

  it('refuses DATA with 503 and records the attempt', async () => {
    const client = await start({ catchAll: true });
    await client.send('EHLO verifier.test');
    await client.send('MAIL FROM:<probe@verifier.test>');
    await client.send('RCPT TO:<alice@example.test>');

    assert.equal(code(await client.send('DATA')), '503');
    assert.equal(server.transcript.filter((entry) => entry.command === 'DATA').length, 1);
  });

  it('enforces command order and scripted replies', async () => {
    const client = await start({ mailFromReply: '550 5.7.1 Sender rejected' });

    assert.equal(code(await client.send('MAIL FROM:<probe@verifier.test>')), '503');
    await client.send('EHLO verifier.test');
    assert.equal(code(await client.send('MAIL FROM:<probe@verifier.test>')), '550');
    assert.equal(code(await client.send('RCPT TO:<alice@example.test>')), '503');
  });

  it('fails every command but QUIT after a refusing greeting', async () => {
    const client = await start({ greeting: '554 5.7.1 No SMTP service here' });

    assert.equal(code(client.greeting), '554');
    assert.equal(code(await client.send('EHLO verifier.test')), '503');
    assert.equal(code(await client.send('QUIT')), '221');
  });

  it('survives clients that vanish and destroys open sessions on close', async () => {
    const dropped = await start({ catchAll: true });
    dropped.socket.resetAndDestroy();
    const held = await connect(server.port);
    clients.push(held);
    const closed = new Promise((resolve) => held.socket.once('close', resolve));

    await server.close();

    await closed;
  });
});
