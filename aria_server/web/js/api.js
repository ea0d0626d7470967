// The REST client: adds the token, turns error bodies into ApiError with words a person can read.

const TOKEN_KEY = "aria.token";

/** The API token kept in this browser (null when the server needs none or none was given). */
export function getToken() {
  return localStorage.getItem(TOKEN_KEY);
}

export function setToken(token) {
  if (token) localStorage.setItem(TOKEN_KEY, token.trim());
  else localStorage.removeItem(TOKEN_KEY);
}

/** A failed request: `code` is the server's stable code, `fields` maps setting paths to problems. */
export class ApiError extends Error {
  constructor(status, code, message, fields = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.fields = fields;
  }
}

const HINTS = {
  unauthorized: "This server needs its API token: paste it under Settings → Access.",
  "origin-not-allowed": "This page's address is not allowed to use the API (see http.allowed_origins).",
  "host-not-allowed": "Open the dashboard through 127.0.0.1 or localhost, or set an API token.",
  network: "The server cannot be reached. Is aria-server running?",
};

/** A sentence for the user about an error (server message plus what to do). */
export function describeError(err) {
  if (err instanceof ApiError) {
    const hint = HINTS[err.code];
    return hint ? `${err.message}. ${hint}` : err.message;
  }
  return `${err.message || err}`;
}

/** fetch() a JSON endpoint; throws ApiError for any non-2xx answer or network failure. */
export async function api(path, { method = "GET", body } = {}) {
  const headers = { Accept: "application/json" };
  const token = getToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (err) {
    throw new ApiError(0, "network", HINTS.network);
  }
  const payload = await response.json().catch(() => null);
  if (!response.ok && !(response.status === 503 && path === "/health" && payload)) {
    const error = payload?.error ?? {};
    throw new ApiError(response.status, error.code ?? "http-error", error.message ?? response.statusText, error.fields);
  }
  return payload;
}
