// REST calls to the kernel. Changing calls carry the sign-in's CSRF token;
// the sign-in cookie itself is HttpOnly and never seen by scripts.

import { detailOf } from "./detail";
import { KernelError, errorCode } from "./socket";

let csrfToken = "";

export function setCsrfToken(token: string): void {
  csrfToken = token;
}

async function send<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET") headers["X-CSRF-Token"] = csrfToken;
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
    });
  } catch (error) {
    throw new KernelError("unavailable", String(error));
  }
  const text = await response.text();
  let value: any = null;
  try {
    value = text ? JSON.parse(text) : null;
  } catch {
    value = text;
  }
  if (!response.ok) {
    // The kernel answers refusals with `{code, error, detail?}`; other
    // failures (a proxy, a body over the size limit) have no code and count
    // as internal.
    throw new KernelError(
      errorCode(value?.code),
      typeof value?.error === "string" ? value.error : response.statusText,
      detailOf(value?.detail),
    );
  }
  return value as T;
}

export const api = {
  get: <T = any>(path: string) => send<T>("GET", path),
  post: <T = any>(path: string, body: unknown = {}) => send<T>("POST", path, body),
  put: <T = any>(path: string, body: unknown) => send<T>("PUT", path, body),
  patch: <T = any>(path: string, body: unknown) => send<T>("PATCH", path, body),
  delete: <T = any>(path: string) => send<T>("DELETE", path),
};
