import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { InputError } from '../../common/errors';

/**
 * Normalises what a person typed into E.164, and refuses anything that cannot receive a text: landlines and
 * malformed numbers would only burn an SMS and leave the user waiting for a code that never comes.
 */
export function normalisePhoneNumber(input: string, defaultRegion: string): string {
  const trimmed = input.trim();
  if (trimmed.length === 0) throw new InputError('Enter your cell phone number');
  if (trimmed.length > 32 || !/^[+\d\s().-]+$/.test(trimmed)) {
    throw new InputError('A phone number may contain only digits, spaces, +, -, ( and )');
  }
  const parsed = parsePhoneNumberFromString(trimmed, defaultRegion as CountryCode);
  if (!parsed || !parsed.isValid()) {
    throw new InputError(
      `That does not look like a valid phone number. Include the country code if it is not a ${defaultRegion} number.`,
    );
  }
  const type = parsed.getType();
  if (type && !['MOBILE', 'FIXED_LINE_OR_MOBILE', 'PERSONAL_NUMBER'].includes(type)) {
    throw new InputError('That number cannot receive text messages. Enter a cell phone number.');
  }
  return parsed.number;
}
