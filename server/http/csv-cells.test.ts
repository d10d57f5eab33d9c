import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { csvCell, csvLine } from './csv-cells';

describe('CSV export cells', () => {
  it('gives every formula-like cell a leading apostrophe, so a spreadsheet shows it as text', () => {
    for (const risky of ['=HYPERLINK("http://evil.test","x")', '+1+2', '-2+3', '@SUM(A1)', '\t=1', '\r=1'])
      assert.ok(csvCell(risky).replace(/^"/, '').startsWith("'"), `${JSON.stringify(risky)} is defused`);
    assert.equal(csvCell('=1+1'), "'=1+1");
    assert.equal(csvCell('=1,2'), `"'=1,2"`, 'then quoted, as a comma needs');
  });

  it('quotes commas, quotes and line breaks (RFC 4180), and leaves plain text alone', () => {
    assert.equal(csvCell('plain text'), 'plain text');
    assert.equal(csvCell('a,b'), '"a,b"');
    assert.equal(csvCell('say "hi"'), '"say ""hi"""');
    assert.equal(csvCell('two\nlines'), '"two\nlines"');
    assert.equal(csvCell('a-b=c'), 'a-b=c', 'only a leading character is a formula');
    assert.equal(csvCell(null), '');
    assert.equal(csvCell(42), '42');
    assert.equal(csvLine(['x', '=y', null]), "x,'=y,\r\n");
  });
});
