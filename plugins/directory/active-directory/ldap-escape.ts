/**
 * Escaping for values that come from users (a username typed on the reset page) before they are put into
 * a search filter or a DN. Without it `*)(objectClass=*` would widen a search to every object.
 */

/**
 * RFC 4515 assertion value. The five characters the grammar reserves are escaped, plus the other ASCII
 * control characters so that logs stay readable. Characters above U+007F are left as they are: RFC 4515
 * allows raw UTF-8, and ldapts decodes each `\xx` to one UTF-16 code unit, so escaping UTF-8 bytes would
 * turn "é" into "Ã©" on the wire.
 */
export function escapeFilterValue(value: string): string {
  let escaped = '';
  for (const char of value) {
    const code = char.codePointAt(0)!;
    if (char === '*' || char === '(' || char === ')' || char === '\\' || code < 0x20 || code === 0x7f) {
      escaped += '\\' + code.toString(16).padStart(2, '0');
    } else {
      escaped += char;
    }
  }
  return escaped;
}

const DN_SPECIALS = new Set(['"', '+', ',', ';', '<', '>', '\\', '=']);

/**
 * RFC 4514 attribute value, for building an RDN such as `CN=<value>`. `=` is escaped too (the RFC allows
 * it) because some DN parsers split on it.
 */
export function escapeDnValue(value: string): string {
  let escaped = '';
  const chars = [...value];
  chars.forEach((char, index) => {
    const atStart = index === 0;
    const atEnd = index === chars.length - 1;
    if (char === '\0') {
      escaped += '\\00';
    } else if (DN_SPECIALS.has(char) || (atStart && (char === ' ' || char === '#')) || (atEnd && char === ' ')) {
      escaped += '\\' + char;
    } else {
      escaped += char;
    }
  });
  return escaped;
}

/**
 * Tagged template that escapes every interpolated value as a filter value:
 * filter`(sAMAccountName=${name})`.
 */
export function filter(strings: TemplateStringsArray, ...values: Array<string | number>): string {
  return strings.reduce((text, part, index) => {
    const value = index < values.length ? escapeFilterValue(String(values[index])) : '';
    return text + part + value;
  }, '');
}
