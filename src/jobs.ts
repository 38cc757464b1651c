/**
 * Long operations (diff, tests, merge, cascade) run as server jobs: `POST` answers 202 with
 * a job, then `GET jobs/{id}` is polled until it ends. Goes through `requestAPI` only.
 */
import { MgitRequestError, requestAPI } from './api';
import { IJobPayload } from './tokens';

/** A job's progress as a fraction in [0, 1], or null when unknown. */
export function jobFraction(job: IJobPayload): number | null {
  if (job.status === 'done') {
    return 1;
  }
  if (job.progress.fraction !== null && job.progress.fraction !== undefined) {
    return job.progress.fraction;
  }
  return job.progress.total > 0 ? job.progress.done / job.progress.total : null;
}

/**
 * Start the job `POST endPoint` with `body` and wait for its result.
 *
 * @throws {MgitRequestError} when the request is refused or the job fails (with its hint).
 */
export async function runJob<T>(
  endPoint: string,
  body: object,
  onProgress?: (job: IJobPayload) => void,
  intervalMs = 250
): Promise<T> {
  let job = await requestAPI<IJobPayload>(endPoint, {
    method: 'POST',
    body: JSON.stringify(body)
  });
  while (job.status === 'queued' || job.status === 'running') {
    onProgress?.(job);
    await new Promise(resolve => setTimeout(resolve, intervalMs));
    job = await requestAPI<IJobPayload>(`jobs/${encodeURIComponent(job.id)}`);
  }
  onProgress?.(job);
  if (job.status === 'done') {
    return job.result as T;
  }
  throw new MgitRequestError(
    job.error?.message ?? `${job.title}: ${job.status}`,
    job.error?.status ?? 500,
    job.error?.hint ?? null
  );
}
