// The HTTP API (docs/api.md) as the pages call it: one request with the
// page's token, its answer as JSON, and a refusal as an ApiError that
// carries the API's error code, which the pages turn into words.

// ApiError is a refused API call: its code is the API's error code, or
// connection_lost when the request never got an answer.
export class ApiError extends Error {
  constructor(status, code, message, field) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

// Api calls the API with one token (a personal link's or the admin's).
export class Api {
  constructor(token) {
    this.token = token;
  }

  async call(method, path, body) {
    const resp = await this.fetch(method, path, body);
    const data = await resp.json().catch(() => null);
    if (!resp.ok) throw new ApiError(resp.status, data?.error?.code || 'internal', data?.error?.message || resp.statusText, data?.error?.field);
    return data;
  }

  // blob fetches a download (a CSV report) as a Blob.
  async blob(path) {
    const resp = await this.fetch('GET', path);
    if (!resp.ok) {
      const data = await resp.json().catch(() => null);
      throw new ApiError(resp.status, data?.error?.code || 'internal', data?.error?.message || resp.statusText);
    }
    return resp.blob();
  }

  async fetch(method, path, body) {
    const headers = { Authorization: `Bearer ${this.token}` };
    if (body) headers['Content-Type'] = 'application/json';
    try {
      return await fetch(path, { method, headers, body: body && JSON.stringify(body), cache: 'no-store' });
    } catch (err) {
      throw new ApiError(0, 'connection_lost', String(err));
    }
  }
}

// path builds an API path from literal parts and IDs, escaping the IDs.
export function path(strings, ...ids) {
  return strings.reduce((out, s, i) => out + s + (i < ids.length ? encodeURIComponent(ids[i]) : ''), '');
}
