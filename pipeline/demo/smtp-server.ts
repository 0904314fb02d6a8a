// A real SMTP server on 127.0.0.1 for `paperboy demo` (it keeps the demo's mail), the tests and
// the bench, with faults on demand:
// permanent (550) and temporary (451) rejections, a connection dropped before the server
// acknowledges a message, and a slow server. Only messages the server acknowledged with 250
// count as delivered, exactly as a real relay would.
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';

export interface Delivered {
  from: string;
  to: string[];
  raw: Buffer;
  parsed?: ParsedMail;
}

export interface SinkFaults {
  /** Recipients refused with 550 at RCPT TO. */
  reject?: Set<string>;
  /** Recipients refused with 451 this many times at RCPT TO, then accepted. */
  tempFail?: Map<string, number>;
  /** Drop the connection (no reply) after receiving the data of these delivery attempts (1-based). */
  dropOnAttempts?: Set<number>;
  /** Wait this long before acknowledging each message. */
  delayMs?: number;
}

/** The login a server requires (AUTH PLAIN/LOGIN, offered on plain TCP since the tests run on loopback). */
export interface SinkLogin {
  user: string;
  pass: string;
}

export interface LocalSmtp {
  port: number;
  url: string;
  delivered: Delivered[];
  /** DATA transfers received, acknowledged or not. */
  attempts: number;
  faults: SinkFaults;
  parseAll(): Promise<ParsedMail[]>;
  close(): Promise<void>;
}

export async function startLocalSmtp(faults: SinkFaults = {}, login?: SinkLogin): Promise<LocalSmtp> {
  const delivered: Delivered[] = [];
  const state = { attempts: 0 };
  const server: SMTPServer = new SMTPServer({
    authOptional: !login,
    ...(login && {
      allowInsecureAuth: true,
      onAuth(auth, _session, cb) {
        if (auth.username === login.user && auth.password === login.pass) return cb(null, { user: auth.username });
        cb(Object.assign(new Error('5.7.8 authentication failed'), { responseCode: 535 }));
      },
    }),
    disabledCommands: ['STARTTLS'],
    logger: false,
    size: 10 * 1024 * 1024,
    onRcptTo(address, _session, cb) {
      const to = address.address.toLowerCase();
      if (faults.reject?.has(to)) return cb(Object.assign(new Error('5.1.1 mailbox unavailable'), { responseCode: 550 }));
      const left = faults.tempFail?.get(to) ?? 0;
      if (left > 0) {
        faults.tempFail!.set(to, left - 1);
        return cb(Object.assign(new Error('4.2.0 try again later'), { responseCode: 451 }));
      }
      cb();
    },
    onData(stream, session: SMTPServerSession, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const attempt = ++state.attempts;
        if (faults.dropOnAttempts?.has(attempt)) {
          for (const conn of (server as unknown as { connections: Set<{ id: string; _socket: { destroy(): void } }> }).connections) {
            if (conn.id === session.id) conn._socket.destroy();
          }
          return;
        }
        const accept = () => {
          delivered.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            raw: Buffer.concat(chunks),
          });
          cb(null, 'OK: queued');
        };
        if (faults.delayMs) setTimeout(accept, faults.delayMs);
        else accept();
      });
    },
  });
  // a client that dies mid-transfer (the crash tests kill -9 it) resets its socket: that is the
  // client's failure to observe, not the server's
  server.on('error', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    delivered,
    get attempts() {
      return state.attempts;
    },
    faults,
    async parseAll() {
      for (const d of delivered) d.parsed ??= await simpleParser(d.raw);
      return delivered.map((d) => d.parsed!);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
