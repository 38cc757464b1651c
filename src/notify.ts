/**
 * Server errors as readable notifications: the server's message with its hint.
 */
import { Notification } from '@jupyterlab/apputils';

import { MgitRequestError } from './api';

/** The one line a user reads for `error`. */
export function errorText(error: unknown): string {
  if (error instanceof MgitRequestError) {
    return error.details;
  }
  return error instanceof Error ? error.message : String(error);
}

/** Show `error` as an error notification, prefixed with what was being done. */
export function notifyError(action: string, error: unknown): void {
  Notification.error(`${action}: ${errorText(error)}`, { autoClose: 10000 });
}

export function notifySuccess(message: string): void {
  Notification.success(message, { autoClose: 4000 });
}
