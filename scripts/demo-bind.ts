import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { Client } from 'ldapts';
import type { DemoDirectoryInfo } from './lib/demo-directory';

/**
 * `npm run demo:bind -- <username>`: signs in to `npm start`'s demo domain as that user with a password typed at
 * the prompt (or given on stdin), over LDAPS verified against the domain's own CA, as a workstation logon
 * would check it. Says whether the password works; the password is never echoed or logged.
 */
async function main() {
  const username = process.argv[2];
  if (!username || !/^[A-Za-z0-9._-]{1,64}$/.test(username)) {
    console.error('Usage: npm run demo:bind -- <username>   (for example jdoe)');
    process.exit(2);
  }
  const dataDir = resolve(process.env.LATCHKEY_DATA_DIR ?? join(__dirname, '..', 'data'));
  let info: DemoDirectoryInfo;
  try {
    info = JSON.parse(readFileSync(join(dataDir, 'demo-ad', 'directory.json'), 'utf8')) as DemoDirectoryInfo;
  } catch {
    console.error(`No demo directory in ${dataDir}: start one with npm start (Linux, as root).`);
    process.exit(2);
  }
  const password = await readPassword(`Password for ${username}@${info.realm.toLowerCase()}: `);
  const client = new Client({
    url: info.url,
    connectTimeout: 5_000,
    timeout: 10_000,
    tlsOptions: { ca: readFileSync(info.caFile, 'utf8'), servername: info.serverName, minVersion: 'TLSv1.2' },
  });
  try {
    await client.bind(`${username}@${info.realm.toLowerCase()}`, password);
    const whoami = await client.exop('1.3.6.1.4.1.4203.1.11.3').catch(() => undefined);
    console.log(`Signed in to ${info.realm} as ${whoami?.value ?? username}.`);
  } catch (error) {
    const text = (error as Error).message;
    // AD's sub-codes say why. 773: the password is right, and (as the client's policy asks after a reset) the
    // domain wants it changed now, which is what a Windows logon with it would ask next.
    if (/\bdata 773\b/.test(text)) {
      console.log(
        `Password accepted by ${info.realm} for ${username}; it must be changed at the next logon, as the client's policy asks after a reset.`,
      );
      return;
    }
    const why = /\bdata 775\b/.test(text)
      ? 'the account is locked out'
      : /\bdata 52e\b/.test(text)
        ? 'wrong username or password'
        : text;
    console.error(`Sign-in to ${info.realm} refused: ${why}.`);
    process.exitCode = 1;
  } finally {
    await client.unbind().catch(() => undefined);
  }
}

/** From a terminal without echo; from a pipe, its first line (so a script or test can pass it). */
function readPassword(prompt: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: process.stdin.isTTY });
  if (process.stdin.isTTY) {
    process.stdout.write(prompt);
    (rl as unknown as { _writeToOutput: (text: string) => void })._writeToOutput = () => undefined;
  }
  return new Promise((resolvePassword) =>
    rl.once('line', (line) => {
      rl.close();
      if (process.stdin.isTTY) process.stdout.write('\n');
      resolvePassword(line);
    }),
  );
}

main().catch((error: unknown) => {
  console.error(`[latchkey] demo:bind failed: ${(error as Error).message}`);
  process.exit(1);
});
