import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InputError } from '../../../common/errors';
import { parseCsv } from './csv-records';

describe('parseCsv', () => {
  it('reads RFC 4180: quoted commas, doubled quotes, line breaks inside quotes, CRLF or LF', () => {
    const records = parseCsv('a,b,c\r\n"x, y","say ""hi""","two\nlines"\nlast,,\n');
    assert.deepEqual(records, [
      { line: 1, fields: ['a', 'b', 'c'] },
      { line: 2, fields: ['x, y', 'say "hi"', 'two\nlines'] },
      { line: 4, fields: ['last', '', ''] },
    ]);
  });

  it("drops Excel's byte-order mark, and skips blank lines while still counting them", () => {
    assert.deepEqual(parseCsv('\uFEFFu,e\n\n\nann,a@x.test'), [
      { line: 1, fields: ['u', 'e'] },
      { line: 4, fields: ['ann', 'a@x.test'] },
    ]);
    assert.deepEqual(parseCsv(''), []);
  });

  it('keeps an empty quoted field as a record, and refuses a quote that is never closed', () => {
    assert.deepEqual(parseCsv('""\n'), [{ line: 1, fields: [''] }]);
    assert.throws(
      () => parseCsv('a,b\n"open,c\n'),
      (error: unknown) => {
        assert.ok(error instanceof InputError);
        assert.match(error.message, /Line 2: a quoted field is never closed/);
        return true;
      },
    );
  });
});
