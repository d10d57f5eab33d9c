import { InputError } from '../../../common/errors';

/** One record of a CSV file, with the line it starts on (line 1 is the header), as a spreadsheet numbers rows. */
export interface CsvRecord {
  line: number;
  fields: string[];
}

/**
 * RFC 4180: fields separated by commas, optionally in double quotes (which may hold commas, line breaks and doubled
 * quotes), records ended by CRLF or LF. A leading byte-order mark (Excel's "CSV UTF-8") is dropped, and blank lines
 * are skipped but still counted, so that line numbers match the file. Throws InputError on an unclosed quote.
 */
export function parseCsv(text: string): CsvRecord[] {
  const source = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let line = 1;
  let startLine = 1;
  let quoted = false;
  let fieldStarted = false;
  const endRecord = () => {
    fields.push(field);
    if (fields.length > 1 || fields[0] !== '' || fieldStarted) records.push({ line: startLine, fields });
    fields = [];
    field = '';
    fieldStarted = false;
  };
  for (let i = 0; i < source.length; i++) {
    const character = source[i]!;
    if (quoted) {
      if (character === '"' && source[i + 1] === '"') {
        field += '"';
        i++;
      } else if (character === '"') quoted = false;
      else {
        if (character === '\n') line++;
        field += character;
      }
    } else if (character === '"' && field === '') {
      quoted = true;
      fieldStarted = true;
    } else if (character === ',') {
      fields.push(field);
      field = '';
      fieldStarted = true;
    } else if (character === '\n' || character === '\r') {
      if (character === '\r' && source[i + 1] === '\n') i++;
      endRecord();
      line++;
      startLine = line;
    } else field += character;
  }
  if (quoted) throw new InputError(`Line ${startLine}: a quoted field is never closed (a " is missing)`);
  endRecord();
  return records;
}
