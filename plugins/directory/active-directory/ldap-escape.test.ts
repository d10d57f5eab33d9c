import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AndFilter, EqualityFilter, FilterParser } from 'ldapts';
import { escapeDnValue, escapeFilterValue, filter } from './ldap-escape';

describe('escapeFilterValue (RFC 4515)', () => {
  it('escapes the reserved characters as \\xx', () => {
    assert.equal(escapeFilterValue('a*b(c)d\\e'), 'a\\2ab\\28c\\29d\\5ce');
    assert.equal(escapeFilterValue('nul\0byte'), 'nul\\00byte');
  });

  it('escapes other ASCII control characters', () => {
    assert.equal(escapeFilterValue('tab\there\n\x7f'), 'tab\\09here\\0a\\7f');
  });

  it('leaves ordinary and non-ASCII characters alone', () => {
    assert.equal(escapeFilterValue('jane.doe@example.com'), 'jane.doe@example.com');
    assert.equal(escapeFilterValue('José Müller 山田'), 'José Müller 山田');
    assert.equal(escapeFilterValue(''), '');
  });

  it('turns an injection attempt into one literal equality value', () => {
    const hostile = '*)(objectClass=*';
    const parsed = FilterParser.parseString(`(&(objectClass=user)(sAMAccountName=${escapeFilterValue(hostile)}))`);
    assert.ok(parsed instanceof AndFilter);
    assert.equal(parsed.filters.length, 2);
    const equality = parsed.filters[1];
    assert.ok(equality instanceof EqualityFilter);
    assert.equal(equality.attribute, 'sAMAccountName');
    assert.equal(equality.value, hostile);
  });

  it('round-trips through the ldapts parser, including non-ASCII', () => {
    for (const value of ['a\\b', '(x)', 'é*', 'admin)(|(cn=*', 'x\0y']) {
      const parsed = FilterParser.parseString(`(cn=${escapeFilterValue(value)})`);
      assert.ok(parsed instanceof EqualityFilter, value);
      assert.equal(parsed.value, value);
    }
  });
});

describe('filter tagged template', () => {
  it('escapes only the interpolated values', () => {
    assert.equal(filter`(&(cn=${'a*'})(uid=${'b)'}))`, '(&(cn=a\\2a)(uid=b\\29))');
    assert.equal(filter`(objectClass=user)`, '(objectClass=user)');
  });
});

describe('escapeDnValue (RFC 4514)', () => {
  it('escapes the special characters anywhere in the value', () => {
    assert.equal(escapeDnValue('Doe, Jane'), 'Doe\\, Jane');
    assert.equal(escapeDnValue('a+b"c;d<e>f\\g=h'), 'a\\+b\\"c\\;d\\<e\\>f\\\\g\\=h');
  });

  it('escapes a leading space or #, and a trailing space', () => {
    assert.equal(escapeDnValue(' lead'), '\\ lead');
    assert.equal(escapeDnValue('#hash'), '\\#hash');
    assert.equal(escapeDnValue('trail '), 'trail\\ ');
    assert.equal(escapeDnValue('mid # dle'), 'mid # dle');
    assert.equal(escapeDnValue(' '), '\\ ');
  });

  it('escapes NUL as \\00 and leaves non-ASCII alone', () => {
    assert.equal(escapeDnValue('a\0b'), 'a\\00b');
    assert.equal(escapeDnValue('Zoë Ångström'), 'Zoë Ångström');
  });
});
