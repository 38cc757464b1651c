/**
 * What the Remotes section says, as pure functions of the payloads (no DOM, no requests):
 * input checks before a request, URLs without credentials, ahead/behind lines, transfer
 * results and failures in plain words.
 */
import { humanBytes } from '../graph/nodeDrawing';
import { MgitRequestError } from '../requestError';
import { IRemoteTracking, ITransferPayload } from '../tokens';

/** A transfer the panel starts. */
export type TransferVerb = 'push' | 'fetch' | 'pull';

/** The same rule as the server's `check_remote_name` (the server stays the judge). */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const MAX_URL = 1024;

/** One problem with a remote name the user typed, or null when it looks valid. */
export function remoteNameProblem(name: string): string | null {
  if (!name.trim()) {
    return 'Give the remote a name, e.g. origin.';
  }
  if (!NAME.test(name)) {
    return (
      `Invalid remote name “${name.slice(0, 64)}”: use 1-64 letters, digits, ` +
      "'.', '_' or '-', starting with a letter or digit."
    );
  }
  return null;
}

/** True when `url` carries `user:password@` (or `user@`) before its host. */
function hasUserInfo(url: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i.test(url.trim());
}

/** One problem with a remote URL the user typed, or null when it looks valid. */
export function remoteUrlProblem(url: string): string | null {
  const text = url.trim();
  if (!text) {
    return 'Give the remote a URL: a folder (relative to the Jupyter root) or s3://bucket/prefix.';
  }
  if (text.length > MAX_URL || [...text].some(c => c.charCodeAt(0) < 32)) {
    return `Invalid remote URL: at most ${MAX_URL} characters, without control characters.`;
  }
  if (hasUserInfo(text)) {
    return (
      'The URL carries credentials (user:password@); they would be stored in plain text. ' +
      'Remove them: S3 credentials come from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, ' +
      'AWS_PROFILE or ~/.aws/credentials on the server.'
    );
  }
  return null;
}

/** True when the URL names S3-compatible storage (the endpoint option applies). */
export function isObjectStorage(url: string): boolean {
  return /^s3a?:\/\//i.test(url.trim());
}

/** `url` as shown: any `user:password@` removed (the server never stores one; belt and braces). */
export function displayUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i, '$1');
}

/** `text` cut in the middle to at most `max` characters (a URL keeps its start and its tail). */
export function middleEllipsis(text: string, max: number): string {
  if (text.length <= max) {
    return text;
  }
  const tail = Math.ceil((max - 1) * 0.6);
  return `${text.slice(0, max - 1 - tail)}…${text.slice(text.length - tail)}`;
}

function names(list: readonly string[], count: number, max = 3): string {
  const shown = list.slice(0, max).join(', ');
  return count > max ? `${shown} and ${count - max} more` : shown;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** A time as `HH:MM` (today) or `YYYY-MM-DD HH:MM`, in the browser's zone. */
export function shortTime(iso: string, now: Date = new Date()): string {
  const t = new Date(iso);
  if (Number.isNaN(t.getTime())) {
    return iso;
  }
  const pad = (n: number): string => String(n).padStart(2, '0');
  const hm = `${pad(t.getHours())}:${pad(t.getMinutes())}`;
  return t.toDateString() === now.toDateString()
    ? hm
    : `${t.getFullYear()}-${pad(t.getMonth() + 1)}-${pad(t.getDate())} ${hm}`;
}

/** The ahead/behind line of a remote, e.g. `2 to push (ft, sweep-1) · up to date to pull`. */
export function trackingText(t: IRemoteTracking, now?: Date): string {
  if (t.checked === null || t.ahead_count === null || t.behind_count === null) {
    return 'Not fetched yet: fetch to compare it with this repository.';
  }
  const when = `as of ${shortTime(t.checked, now)}`;
  if (t.ahead_count === 0 && t.behind_count === 0) {
    return `Up to date (${when}).`;
  }
  const parts: string[] = [];
  if (t.ahead_count) {
    parts.push(`${plural(t.ahead_count, 'version')} to push (${names(t.ahead, t.ahead_count)})`);
  }
  if (t.behind_count) {
    parts.push(`${plural(t.behind_count, 'version')} to pull (${names(t.behind, t.behind_count)})`);
  }
  return `${parts.join('; ')} (${when}).`;
}

const DONE: Record<TransferVerb, string> = { push: 'Pushed', fetch: 'Fetched', pull: 'Pulled' };

/** The result of a finished transfer: one summary line, and one line per problem. */
export function transferSummary(p: ITransferPayload): { text: string; problems: string[] } {
  const verb = (['push', 'fetch', 'pull'].includes(p.verb) ? p.verb : 'fetch') as TransferVerb;
  const moved = verb === 'push' ? p.bytes_sent : p.bytes_received;
  const seconds = `${p.seconds.toFixed(1)} s`;
  let text: string;
  const labels = p.labels ?? [];
  const where = verb === 'push' ? 'on the remote' : 'here';
  if (!p.versions.length && !p.objects && labels.length) {
    text = `Names and tags only, ${where}: ${labels.join('; ')} (${seconds}).`;
  } else if (!p.versions.length && !p.objects) {
    text =
      verb === 'push'
        ? `${p.remote} already has these versions: nothing sent (${seconds}).`
        : `Nothing new on ${p.remote} (${seconds}).`;
  } else {
    const what = p.versions.length
      ? `${plural(p.versions.length, 'version')} (${names(p.versions, p.versions.length, 5)})`
      : 'no new version';
    const objects = p.objects
      ? `${plural(p.objects, 'object')} in ${plural(p.packs, 'pack')}`
      : 'no object (the tensors were there already)';
    const dir = verb === 'push' ? `${humanBytes(moved)} sent` : `${humanBytes(moved)} received`;
    const note = verb === 'fetch' && p.versions.length ? '; pull adds them to the lineage' : '';
    const to = verb === 'push' ? `to ${p.remote}` : `from ${p.remote}`;
    const renamed = labels.length ? ` Names and tags, ${where}: ${labels.join('; ')}.` : '';
    text = `${DONE[verb]} ${what} ${to}: ${objects}, ${dir} in ${seconds}${note}.${renamed}`;
  }
  const kept = p.label_notes ?? [];
  if (kept.length) {
    const take = verb === 'push' ? ' (pull to take them)' : '';
    text += ` Kept as they are: ${kept.join('; ')}${take}.`;
  }
  const problems = p.refused.map(
    r =>
      `Refused object ${r.object.slice(0, 12)}: ${r.reason}` +
      (r.versions.length ? `; needed by ${r.versions.join(', ')}` : '')
  );
  if (p.skipped_versions.length) {
    problems.push(
      `Not added (a tensor they need was refused): ${names(p.skipped_versions, p.skipped_versions.length, 8)}`
    );
  }
  return { text, problems };
}

const FAILED: Record<TransferVerb, string> = {
  push: 'Push to',
  fetch: 'Fetch from',
  pull: 'Pull from'
};

/** What kind of failure `error` is, for its heading and style. */
export function failureKind(error: unknown): 'conflict' | 'remote' | 'input' | 'other' {
  if (!(error instanceof MgitRequestError)) {
    return 'other';
  }
  if (error.status === 409) {
    return 'conflict';
  }
  if (error.status === 502 || error.status === 0) {
    return 'remote';
  }
  return error.status >= 400 && error.status < 500 ? 'input' : 'other';
}

/** One line saying what failed and what to do. */
export function transferFailure(verb: TransferVerb, remote: string, error: unknown): string {
  const details =
    error instanceof MgitRequestError
      ? error.details
      : error instanceof Error
        ? error.message
        : String(error);
  const kind = failureKind(error);
  const label =
    kind === 'conflict' ? 'Conflict' : kind === 'remote' ? 'Remote unavailable' : 'Failed';
  return `${FAILED[verb]} ${remote}: ${label}: ${details}`;
}
