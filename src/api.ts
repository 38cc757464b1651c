/**
 * The one request seam: every call to mgit-lab's REST API goes through `requestAPI`.
 * Tests mock this module and nothing else.
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import { MgitRequestError } from './requestError';
import { IErrorPayload } from './tokens';

export { MgitRequestError };

/** Path of the REST API below the server's base URL. */
export const API_NAMESPACE = 'mgit/api';

function parseBody(text: string): unknown {
  if (!text) {
    return null;
  }
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * Call `<base_url>/mgit/api/<endPoint>` and return its JSON body.
 *
 * @throws {MgitRequestError} when the server cannot be reached or answers with an error.
 */
export async function requestAPI<T>(
  endPoint = '',
  init: RequestInit = {},
  settings: ServerConnection.ISettings = ServerConnection.makeSettings()
): Promise<T> {
  const url = URLExt.join(settings.baseUrl, API_NAMESPACE, endPoint);
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(url, init, settings);
  } catch (error) {
    throw new MgitRequestError(`cannot reach the Jupyter server: ${String(error)}`, 0);
  }
  const data = parseBody(await response.text());
  if (!response.ok) {
    const body = (typeof data === 'object' && data !== null ? data : {}) as Partial<IErrorPayload>;
    const message =
      typeof body.message === 'string' && body.message
        ? body.message
        : `${url} answered ${response.status} ${response.statusText}`.trim();
    throw new MgitRequestError(
      message,
      response.status,
      typeof body.hint === 'string' ? body.hint : null
    );
  }
  return data as T;
}
