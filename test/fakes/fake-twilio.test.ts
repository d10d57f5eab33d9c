import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import twilio from 'twilio';
import { computeTwilioSignature, startFakeTwilio, type FakeTwilio } from './fake-twilio';

const ACCOUNT_SID = 'AC' + 'f'.repeat(32);
const AUTH_TOKEN = 'webhook-test-token';

/** A minimal webhook endpoint that checks the signature with the SDK, as a real receiver would. */
async function startWebhookReceiver(): Promise<{ url: string; close(): Promise<void> }> {
  let url = '';
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const params = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
      const signature = String(req.headers['x-twilio-signature'] ?? '');
      // The signed URL is the one Twilio was configured with, so rebuild it from what was requested.
      const requested = new URL(req.url ?? '/', url).href;
      const valid = twilio.validateRequest(AUTH_TOKEN, signature, requested, params);
      if (!valid) {
        res.writeHead(403, { 'Content-Type': 'text/plain' }).end('bad signature');
        return;
      }
      res
        .writeHead(200, { 'Content-Type': 'text/xml' })
        .end(`<Response><Message>echo: ${params.Body}</Message></Response>`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/sms/inbound`;
  return { url, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('fake Twilio', () => {
  let fake: FakeTwilio;
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;

  before(async () => {
    fake = await startFakeTwilio({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN });
    receiver = await startWebhookReceiver();
  });
  after(async () => {
    await fake.close();
    await receiver.close();
  });

  it('computes the same signature as the SDK', () => {
    const params = { From: '+14155550123', Body: 'STOP', To: '+15005550006', NumMedia: '0' };
    const url = 'https://example.test/sms?x=1';
    assert.equal(
      computeTwilioSignature(AUTH_TOKEN, url, params),
      twilio.getExpectedTwilioSignature(AUTH_TOKEN, url, params),
    );
  });

  it('signs inbound-SMS webhooks so that the SDK validateRequest accepts them', async () => {
    const reply = await fake.sendInboundSms({
      url: receiver.url,
      from: '+14155550123',
      to: '+15005550006',
      body: 'YES 123456',
    });
    assert.equal(reply.status, 200, reply.body);
    assert.equal(reply.contentType, 'text/xml');
    assert.equal(reply.body, '<Response><Message>echo: YES 123456</Message></Response>');
  });

  it('signs over the query string too', async () => {
    const reply = await fake.sendInboundSms({
      url: `${receiver.url}?tenant=acme`,
      from: '+14155550123',
      to: '+15005550006',
      body: 'hi',
    });
    assert.equal(reply.status, 200, reply.body);
  });

  it("answers bad credentials with Twilio's 401 error shape", async () => {
    const response = await fetch(`${fake.baseUrl}/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`, {
      method: 'POST',
      headers: { Authorization: 'Basic ' + Buffer.from(`${ACCOUNT_SID}:wrong`).toString('base64') },
      body: new URLSearchParams({ To: '+14155550123', From: '+15005550006', Body: 'x' }),
    });
    assert.equal(response.status, 401);
    assert.deepEqual(await response.json(), {
      code: 20003,
      message: 'Authenticate',
      more_info: 'https://www.twilio.com/docs/errors/20003',
      status: 401,
    });
  });
});
