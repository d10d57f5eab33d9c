import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerError } from 'smtp-server';

/**
 * A real SMTP server on loopback that keeps what it receives, so tests drive nodemailer over the wire. The MIME
 * handling is deliberately small: enough for what nodemailer produces (multipart/alternative, quoted-printable,
 * base64, encoded-word headers, UTF-8 only).
 */

export interface ReceivedEmail {
  envelope: { from: string | null; to: string[] };
  /** Header values, unfolded and decoded; keys are lower-case, a repeated header keeps its first value. */
  headers: Record<string, string>;
  subject?: string;
  from?: string;
  to?: string;
  text?: string;
  html?: string;
  /** The message as it came off the wire (after SMTP dot-unstuffing). */
  raw: string;
  receivedAt: Date;
}

export interface SmtpReceiverOptions {
  /** Recipients matching this are refused at RCPT TO with 550, like a mailbox that does not exist. */
  rejectRecipients?: RegExp;
  /**
   * The first `times` messages whose raw text matches are turned away at the end of DATA with 451, a temporary
   * failure, like a mail server that is busy or greylisting.
   */
  deferMessages?: { matching: RegExp; times: number };
  /** When set, AUTH (PLAIN/LOGIN over plain text) is offered and required with these credentials. */
  auth?: { user: string; pass: string };
}

export interface SmtpReceiver {
  readonly host: string;
  readonly port: number;
  readonly messages: ReceivedEmail[];
  waitForMessage(predicate?: (email: ReceivedEmail) => boolean, timeoutMs?: number): Promise<ReceivedEmail>;
  /** Calls `listener` with every email received from now on, until the returned function is called. */
  onMessage(listener: (email: ReceivedEmail) => void): () => void;
  clear(): void;
  close(): Promise<void>;
}

const HOST = '127.0.0.1';

export async function startSmtpReceiver(options: SmtpReceiverOptions = {}): Promise<SmtpReceiver> {
  const messages: ReceivedEmail[] = [];
  const listeners = new Set<(email: ReceivedEmail) => void>();
  const { auth, rejectRecipients } = options;
  let deferred = 0;

  const server = new SMTPServer({
    logger: false,
    // No STARTTLS: nodemailer would otherwise upgrade opportunistically and trip over the built-in self-signed cert.
    disabledCommands: auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    authOptional: !auth,
    allowInsecureAuth: true,
    // Without this, close() waits up to 30 s for pooled client connections to say QUIT.
    closeTimeout: 200,
    onAuth(credentials, _session, callback) {
      if (auth && credentials.username === auth.user && credentials.password === auth.pass) {
        callback(null, { user: credentials.username });
      } else {
        callback(new Error('Invalid username or password'));
      }
    },
    onRcptTo(address, _session, callback) {
      if (rejectRecipients?.test(address.address)) {
        const error: SMTPServerError = new Error(`5.1.1 <${address.address}>: Recipient address rejected`);
        error.responseCode = 550;
        callback(error);
        return;
      }
      callback();
    },
    onData(stream, session, callback) {
      readStream(stream).then(
        (raw) => {
          if (options.deferMessages?.matching.test(raw) && deferred < options.deferMessages.times) {
            deferred++;
            const error: SMTPServerError = new Error('4.3.0 Try again later');
            error.responseCode = 451;
            callback(error);
            return;
          }
          const mailFrom = session.envelope.mailFrom;
          const email = parseEmail(raw, {
            from: mailFrom ? mailFrom.address : null,
            to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
          });
          messages.push(email);
          for (const listener of listeners) listener(email);
          callback();
        },
        (error: Error) => callback(error),
      );
    },
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.server.address() as AddressInfo;

  return {
    host: HOST,
    port,
    messages,
    waitForMessage(predicate = () => true, timeoutMs = 5_000) {
      const existing = messages.find(predicate);
      if (existing) return Promise.resolve(existing);
      return new Promise((resolve, reject) => {
        const listener = (email: ReceivedEmail) => {
          if (!predicate(email)) return;
          clearTimeout(timer);
          listeners.delete(listener);
          resolve(email);
        };
        const timer = setTimeout(() => {
          listeners.delete(listener);
          reject(new Error(`no matching email within ${timeoutMs}ms (${messages.length} received)`));
        }, timeoutMs);
        listeners.add(listener);
      });
    },
    onMessage(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    clear() {
      messages.length = 0;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function readStream(stream: SMTPServerDataStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  if (stream.sizeExceeded) throw Object.assign(new Error('Message too large'), { responseCode: 552 });
  return Buffer.concat(chunks).toString('utf8');
}

export function parseEmail(raw: string, envelope: ReceivedEmail['envelope']): ReceivedEmail {
  const { headers, body } = splitEntity(raw);
  const content = readContent(headers, body);
  return {
    envelope,
    headers,
    subject: headers.subject,
    from: headers.from,
    to: headers.to,
    text: content.text,
    html: content.html,
    raw,
    receivedAt: new Date(),
  };
}

function splitEntity(entity: string): { headers: Record<string, string>; body: string } {
  const separator = /\r?\n\r?\n/.exec(entity);
  const head = separator ? entity.slice(0, separator.index) : entity;
  const body = separator ? entity.slice(separator.index + separator[0].length) : '';
  const headers: Record<string, string> = {};
  for (const line of head.replace(/\r?\n(?=[ \t])/g, '').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    headers[name] ??= decodeEncodedWords(line.slice(colon + 1).trim());
  }
  return { headers, body };
}

/** Picks the first text/plain and text/html leaves, walking into multipart bodies. */
function readContent(headers: Record<string, string>, body: string): { text?: string; html?: string } {
  const type = headers['content-type'] ?? 'text/plain';
  const mime = type.split(';')[0]!.trim().toLowerCase();
  if (mime.startsWith('multipart/')) {
    const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
    if (!boundary) return {};
    const found: { text?: string; html?: string } = {};
    for (const part of splitMultipart(body, boundary)) {
      const entity = splitEntity(part);
      const inner = readContent(entity.headers, entity.body);
      found.text ??= inner.text;
      found.html ??= inner.html;
    }
    return found;
  }
  if (headers['content-disposition']?.toLowerCase().startsWith('attachment')) return {};
  const decoded = decodeTransfer(body, headers['content-transfer-encoding']);
  if (mime === 'text/html') return { html: decoded };
  if (mime === 'text/plain') return { text: decoded };
  return {};
}

function splitMultipart(body: string, boundary: string): string[] {
  const delimiter = `--${boundary}`;
  const parts: string[] = [];
  let current: string[] | undefined;
  for (const line of body.split(/\r?\n/)) {
    if (line === `${delimiter}--`) break;
    if (line === delimiter) {
      if (current) parts.push(current.join('\r\n'));
      current = [];
    } else {
      current?.push(line);
    }
  }
  if (current) parts.push(current.join('\r\n'));
  return parts;
}

function decodeTransfer(body: string, encoding = '7bit'): string {
  switch (encoding.trim().toLowerCase()) {
    case 'quoted-printable':
      return decodeQuotedPrintable(body);
    case 'base64':
      return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
    default:
      return body;
  }
}

/** Works on bytes, since an escaped sequence such as =C3=A9 is one UTF-8 character split over several escapes. */
function decodeQuotedPrintable(text: string): string {
  const unwrapped = text.replace(/[ \t]+(?=\r?\n)/g, '').replace(/=\r?\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < unwrapped.length; i += 1) {
    const escaped = unwrapped[i] === '=' ? /^[0-9A-Fa-f]{2}$/.exec(unwrapped.slice(i + 1, i + 3)) : null;
    if (escaped) {
      bytes.push(parseInt(escaped[0], 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(unwrapped[i]!, 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** RFC 2047 encoded-words (=?charset?B|Q?...?=); whitespace between two adjacent words is not part of the text. */
function decodeEncodedWords(value: string): string {
  return value
    .replace(/(=\?[^?]+\?[BbQq]\?[^?]*\?=)\s+(?==\?[^?]+\?[BbQq]\?)/g, '$1')
    .replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (_word, _charset: string, scheme: string, payload: string) =>
      scheme.toUpperCase() === 'B'
        ? Buffer.from(payload, 'base64').toString('utf8')
        : decodeQuotedPrintable(payload.replace(/_/g, ' ')),
    );
}
