import express, { type RequestHandler } from 'express';
import { InputError } from '../../common/errors';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads a small multipart/form-data post (a form with a file input) into `request.body`, every field as a string:
 * a file becomes its text, UTF-8. Over `limit` is the body parser's own 413 before anything is parsed. The
 * platform's own parser (fetch's `Response#formData`) does the parsing: nothing here splits on boundaries by hand.
 */
export function multipartForm(limit: string): RequestHandler[] {
  const raw = express.raw({ type: 'multipart/form-data', limit });
  const fields: RequestHandler = async (request, _response, next) => {
    const type = request.headers['content-type'] ?? '';
    if (!Buffer.isBuffer(request.body) || !/^multipart\/form-data/i.test(type))
      throw new InputError('Send this form as multipart/form-data, as the page does');
    let form: FormData;
    try {
      form = await new Response(new Blob([new Uint8Array(request.body)]), {
        headers: { 'content-type': type },
      }).formData();
    } catch {
      throw new InputError('The form could not be read; reload the page and try again');
    }
    const body: Record<string, string> = {};
    for (const [name, value] of form) {
      if (typeof value === 'string') body[name] = value;
      else {
        try {
          body[name] = utf8.decode(await value.arrayBuffer());
        } catch {
          throw new InputError(`The file "${value.name}" is not UTF-8 text; save it as CSV UTF-8 and try again`);
        }
      }
    }
    request.body = body;
    next();
  };
  return [raw, fields];
}
