import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';

/** A tiny JSON client for the MSP API. */
export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export function apiClient(baseUrl: string, apiKey?: string) {
  return async function call<T = any>(
    method: string,
    path: string,
    body?: unknown,
    extraHeaders: Record<string, string> = {},
  ): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...extraHeaders };
    if (apiKey) headers.authorization = `Bearer ${apiKey}`;
    let payload: string | undefined;
    if (body !== undefined) {
      headers['content-type'] ??= 'application/json';
      payload = typeof body === 'string' ? body : JSON.stringify(body);
    }
    const response = await fetch(`${baseUrl}/api/v1${path}`, { method, headers, body: payload });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // Left as text: the test will say what it got.
    }
    return { status: response.status, body: parsed as T, headers: response.headers };
  };
}

/**
 * A browser stand-in for the enrollment pages: keeps cookies, does not follow redirects (tests look at them),
 * and pulls the CSRF field out of each page so that form posts look like a real browser's.
 */
export class BrowserSession {
  private readonly cookies = new Map<string, string>();
  lastHtml = '';

  /** `headers` go with every request: X-Forwarded-For, say, to stand behind a proxy the app trusts. */
  constructor(
    private readonly baseUrl: string,
    private readonly headers: Record<string, string> = {},
  ) {}

  private remember(response: Response) {
    for (const header of response.headers.getSetCookie()) {
      const [pair] = header.split(';');
      const separator = pair!.indexOf('=');
      const name = pair!.slice(0, separator).trim();
      const value = pair!.slice(separator + 1).trim();
      if (/expires=Thu, 01 Jan 1970/i.test(header) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  /** A cookie the server set, under the name it was set with. */
  cookie(name: string): string | undefined {
    return this.cookies.get(name);
  }

  /** Plants a cookie as a page on a sibling subdomain could (cookie tossing). */
  setCookie(name: string, value: string): void {
    this.cookies.set(name, value);
  }

  private cookieHeader(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  async get(path: string): Promise<{ status: number; html: string; location: string | null; setCookies: string[] }> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      headers: { ...this.headers, cookie: this.cookieHeader() },
      redirect: 'manual',
    });
    this.remember(response);
    this.lastHtml = await response.text();
    return {
      status: response.status,
      html: this.lastHtml,
      location: response.headers.get('location'),
      setCookies: response.headers.getSetCookie(),
    };
  }

  csrf(): string {
    const match = /name="_csrf" value="([^"]+)"/.exec(this.lastHtml);
    if (!match) throw new Error(`no CSRF field on the last page:\n${this.lastHtml.slice(0, 500)}`);
    return match[1]!;
  }

  /** `headers` adds what a browser would send, e.g. `Sec-Fetch-Site` or `Origin` for a post from another page. */
  async post(
    path: string,
    fields: Record<string, string | string[]>,
    options: { csrf?: string | null; headers?: Record<string, string> } = {},
  ) {
    // A list is a field sent once per value, as a form's checked boxes of one name are.
    const form = new URLSearchParams(
      Object.entries(fields).flatMap(([name, value]) =>
        (Array.isArray(value) ? value : [value]).map((one) => [name, one]),
      ),
    );
    const csrf = options.csrf === undefined ? this.csrf() : options.csrf;
    if (csrf !== null) form.set('_csrf', csrf);
    const response = await fetch(`${this.baseUrl}${path}`, {
      method: 'POST',
      headers: {
        ...this.headers,
        ...options.headers,
        cookie: this.cookieHeader(),
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: form.toString(),
      redirect: 'manual',
    });
    this.remember(response);
    this.lastHtml = await response.text();
    return {
      status: response.status,
      html: this.lastHtml,
      location: response.headers.get('location'),
      setCookies: response.headers.getSetCookie(),
    };
  }

  /** Posts a multipart form (one with a file input), with the last page's CSRF token unless `csrf` says otherwise. */
  async postMultipart(path: string, fields: Record<string, string | Blob>, options: { csrf?: string | null } = {}) {
    const form = new FormData();
    const csrf = options.csrf === undefined ? this.csrf() : options.csrf;
    if (csrf !== null) form.set('_csrf', csrf);
    for (const [name, value] of Object.entries(fields)) {
      if (typeof value === 'string') form.set(name, value);
      else form.set(name, value, 'users.csv');
    }
    const response = await fetch(`${this.baseUrl}${path}`, {
      method: 'POST',
      headers: { ...this.headers, cookie: this.cookieHeader() },
      body: form,
      redirect: 'manual',
    });
    this.remember(response);
    this.lastHtml = await response.text();
    return { status: response.status, html: this.lastHtml, location: response.headers.get('location') };
  }

  /** Posts a form and, on a 303, loads the page it points to, as a browser would. */
  async submit(path: string, fields: Record<string, string>) {
    const posted = await this.post(path, fields);
    if (posted.status === 303 && posted.location) return this.get(posted.location);
    return posted;
  }
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * One request over node:http, which sends `Host` as given (fetch always derives it from the URL): what a
 * DNS-rebinding page's browser, or a client naming some other host, sends.
 */
export function rawRequest(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { method: options.method ?? 'GET', headers: options.headers }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(options.body);
  });
}
