import { decodeKey, parseKeyRing } from '../../common/crypto/keys';

/**
 * The codec key that the committed replay histories were recorded with. It protects nothing real: it exists so
 * that the encrypted fixtures can be decoded during replay, exactly as production histories are.
 */
export const FIXTURE_CODEC_KEYS = 'fixture1:bGF0Y2hrZXktcmVwbGF5LWZpeHR1cmUta2V5LTMyYnk=';
export const fixtureKeyRing = () => parseKeyRing(FIXTURE_CODEC_KEYS, 'fixture codec keys');

/** The master key of the recording run: resets are sealed with client keys derived from it. Test-only too. */
export const FIXTURE_MASTER_KEY = 'bGF0Y2hrZXktcmVwbGF5LWZpeHR1cmUtbWFzdGVyLWs=';
export const fixtureMasterKey = () => decodeKey(FIXTURE_MASTER_KEY, 'fixture master key');
