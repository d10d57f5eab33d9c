import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { defaultPayloadConverter } from '@temporalio/common';
import { parseKeyRing } from '../crypto/keys';
import { EncryptionCodec } from './encryption-codec';

const ring = (spec: string) => parseKeyRing(spec, 'TEST');

describe('EncryptionCodec', () => {
  const k1 = randomBytes(32).toString('base64');
  const k2 = randomBytes(32).toString('base64');

  it('encrypts payloads so the value cannot be read, and decodes them back', async () => {
    const codec = new EncryptionCodec(ring(`k1:${k1}`));
    const payload = defaultPayloadConverter.toPayload({ phone: '+14155552671' });
    const [encoded] = await codec.encode([payload]);
    assert.ok(!Buffer.from(encoded!.data!).toString('latin1').includes('4155552671'));
    assert.equal(Buffer.from(encoded!.metadata!['encryption-key-id']!).toString(), 'k1');
    const [decoded] = await codec.decode([encoded!]);
    assert.deepEqual(defaultPayloadConverter.fromPayload(decoded!), { phone: '+14155552671' });
  });

  it('keeps reading payloads sealed with an older key after rotation', async () => {
    const [old] = await new EncryptionCodec(ring(`k1:${k1}`)).encode([defaultPayloadConverter.toPayload('hello')]);
    const rotated = new EncryptionCodec(ring(`k2:${k2},k1:${k1}`));
    const [decoded] = await rotated.decode([old!]);
    assert.equal(defaultPayloadConverter.fromPayload(decoded!), 'hello');
    const [fresh] = await rotated.encode([defaultPayloadConverter.toPayload('hello')]);
    assert.equal(Buffer.from(fresh!.metadata!['encryption-key-id']!).toString(), 'k2');
  });

  it('says which key is missing rather than failing obscurely', async () => {
    const [sealed] = await new EncryptionCodec(ring(`k1:${k1}`)).encode([defaultPayloadConverter.toPayload(1)]);
    await assert.rejects(new EncryptionCodec(ring(`k2:${k2}`)).decode([sealed!]), /No codec key with id "k1"/);
  });

  it('passes unencrypted payloads through untouched', async () => {
    const plain = defaultPayloadConverter.toPayload('plain');
    const [decoded] = await new EncryptionCodec(ring(`k1:${k1}`)).decode([plain]);
    assert.equal(decoded, plain);
  });
});
