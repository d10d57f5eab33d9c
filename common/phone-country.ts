import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

/** The ISO 3166 alpha-2 country of an E.164 number, or undefined when it names none. */
export function countryOfPhone(e164: string): string | undefined {
  return parsePhoneNumberFromString(e164)?.country;
}
