/**
 * Unit tests of the Remotes section's words and state (no DOM): input checks, URLs without
 * credentials, ahead/behind lines, transfer results and failures, and the model against a
 * fake REST API and job runner.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { MgitRequestError } from '../requestError';
import { JobFunction, RemotesModel, RequestFunction } from '../remotes/remotesModel';
import {
  displayUrl,
  failureKind,
  isObjectStorage,
  middleEllipsis,
  remoteNameProblem,
  remoteUrlProblem,
  trackingText,
  transferFailure,
  transferSummary
} from '../remotes/remoteText';
import { IJobPayload, IRemoteTracking, ITransferPayload } from '../tokens';

const NOW = new Date(2026, 11, 1, 15, 0);

function tracking(over: Partial<IRemoteTracking> = {}): IRemoteTracking {
  return {
    name: 'origin',
    url: '/srv/team/models',
    checked: new Date(2026, 11, 1, 14, 5).toISOString(),
    ahead: [],
    ahead_count: 0,
    behind: [],
    behind_count: 0,
    ...over
  };
}

function payload(over: Partial<ITransferPayload> = {}): ITransferPayload {
  return {
    verb: 'push',
    remote: 'origin',
    url: '/srv/team/models',
    versions: [],
    objects: 0,
    packs: 0,
    refused: [],
    skipped_versions: [],
    bytes_sent: 0,
    bytes_received: 0,
    requests: 1,
    seconds: 0.04,
    ...over
  };
}

describe('remote input checks', () => {
  it('accepts a plain name and URL, and says what is wrong with others', () => {
    assert.equal(remoteNameProblem('origin'), null);
    assert.equal(remoteNameProblem('team.s3-2'), null);
    assert.match(remoteNameProblem('') ?? '', /Give the remote a name/);
    assert.match(remoteNameProblem('my remote') ?? '', /Invalid remote name “my remote”: use 1-64/);
    assert.match(remoteNameProblem('-x') ?? '', /starting with a letter or digit/);
    assert.match(remoteNameProblem('x'.repeat(65)) ?? '', /Invalid remote name/);
    assert.equal(remoteUrlProblem('team/models'), null);
    assert.equal(remoteUrlProblem('s3://bucket/prefix'), null);
    assert.match(remoteUrlProblem('  ') ?? '', /Give the remote a URL/);
    assert.match(remoteUrlProblem('a\u0007b') ?? '', /control characters/);
    assert.match(remoteUrlProblem('s3://KEY:SECRET@bucket/p') ?? '', /carries credentials/);
    assert.ok(!(remoteUrlProblem('s3://KEY:SECRET@bucket/p') ?? '').includes('KEY:SECRET'));
    assert.ok(isObjectStorage(' s3://b/p') && !isObjectStorage('team/s3'));
  });

  it('never shows credentials in a URL, and cuts long ones in the middle', () => {
    assert.equal(displayUrl('https://user:pw@host/x'), 'https://host/x');
    assert.equal(displayUrl('/srv/a@b/models'), '/srv/a@b/models');
    const long = '/tmp/galata-mgit-abcdef/some/deep/folder/of/team/shared-models';
    const cut = middleEllipsis(long, 30);
    assert.equal(cut.length, 30);
    assert.ok(cut.startsWith('/tmp/') && cut.endsWith('team/shared-models') && cut.includes('…'));
    assert.equal(middleEllipsis('short', 30), 'short');
  });
});

describe('ahead/behind line', () => {
  it('says "not fetched yet" before the remote was ever read', () => {
    const t = tracking({ checked: null, ahead_count: null, behind_count: null });
    assert.match(trackingText(t, NOW), /^Not fetched yet/);
  });

  it('names what is to push and to pull, with the time of the last read', () => {
    assert.equal(trackingText(tracking(), NOW), 'Up to date (as of 14:05).');
    const t = tracking({
      ahead: ['ft', 'sweep-0', 'sweep-1', 'sweep-2'],
      ahead_count: 4,
      behind: ['base-v2'],
      behind_count: 1
    });
    assert.equal(
      trackingText(t, NOW),
      '4 versions to push (ft, sweep-0, sweep-1 and 1 more); 1 version to pull (base-v2) (as of 14:05).'
    );
  });
});

describe('transfer results and failures', () => {
  it('says what was sent or received', () => {
    const pushed = transferSummary(
      payload({ versions: ['base'], objects: 4, packs: 1, bytes_sent: 12345, seconds: 0.31 })
    );
    assert.equal(
      pushed.text,
      'Pushed 1 version (base) to origin: 4 objects in 1 pack, 12.3 KB sent in 0.3 s.'
    );
    assert.deepEqual(pushed.problems, []);
    const renamed = transferSummary(
      payload({ labels: ["renamed 'sst2' -> 'sst2-v1'", "tag 'best' -> 'sst2-v1'"], seconds: 0.1 })
    );
    assert.equal(
      renamed.text,
      "Names and tags only, on the remote: renamed 'sst2' -> 'sst2-v1'; tag 'best' -> 'sst2-v1' (0.1 s)."
    );
    const pulled = transferSummary(
      payload({
        verb: 'pull',
        versions: ['ft'],
        objects: 2,
        packs: 1,
        bytes_received: 2000,
        labels: ["tag 'prod' -> 'ft'"],
        label_notes: ["'a' was renamed 'b' here"]
      })
    );
    assert.match(pulled.text, /^Pulled 1 version \(ft\) from origin: 2 objects in 1 pack/);
    assert.match(pulled.text, / Names and tags, here: tag 'prod' -> 'ft'\./);
    assert.match(pulled.text, / Kept as they are: 'a' was renamed 'b' here\.$/);
    const fetched = transferSummary(
      payload({ verb: 'fetch', versions: ['a', 'b'], objects: 9, packs: 2, bytes_received: 2e6 })
    );
    assert.match(
      fetched.text,
      /^Fetched 2 versions \(a, b\) from origin: 9 objects in 2 packs, 2.0 MB received/
    );
    assert.match(fetched.text, /pull adds them to the lineage\.$/);
    assert.match(
      transferSummary(payload()).text,
      /origin already has these versions: nothing sent/
    );
    assert.match(transferSummary(payload({ verb: 'pull' })).text, /^Nothing new on origin/);
  });

  it('names refused objects with the versions that need them', () => {
    const { problems } = transferSummary(
      payload({
        verb: 'pull',
        versions: ['base'],
        objects: 3,
        packs: 1,
        refused: [{ object: 'f'.repeat(64), reason: 'its hash does not match', versions: ['ft'] }],
        skipped_versions: ['ft', 'ft-child']
      })
    );
    assert.deepEqual(problems, [
      'Refused object ffffffffffff: its hash does not match; needed by ft',
      'Not added (a tensor they need was refused): ft, ft-child'
    ]);
  });

  it('tells a conflict, an unreachable remote and bad input apart', () => {
    const conflict = new MgitRequestError(
      "1 name(s) label different versions: 'ft'",
      409,
      'rename'
    );
    assert.equal(failureKind(conflict), 'conflict');
    assert.equal(
      transferFailure('push', 'origin', conflict),
      "Push to origin: Conflict: 1 name(s) label different versions: 'ft' (rename)"
    );
    const down = new MgitRequestError(
      'cannot read lineage.json: the server cannot be reached',
      502
    );
    assert.match(transferFailure('fetch', 'team', down), /^Fetch from team: Remote unavailable: /);
    assert.equal(failureKind(new MgitRequestError('no remote', 404)), 'input');
    assert.equal(failureKind(new Error('x')), 'other');
  });
});

/** A fake API: remotes per repository, tracking per remote, jobs that succeed or fail. */
class FakeServer {
  calls: string[] = [];
  remotes: { name: string; url: string; options: Record<string, string>; promisor: boolean }[] = [];
  jobs: { endPoint: string; body: Record<string, unknown> }[] = [];
  fail: MgitRequestError | null = null;

  request: RequestFunction = (async (endPoint = '', init: RequestInit = {}) => {
    this.calls.push(`${init.method ?? 'GET'} ${endPoint}`);
    const [route] = endPoint.split('?');
    if (route === 'remotes' && init.method === 'POST') {
      const body = JSON.parse(String(init.body));
      if (this.remotes.some(r => r.name === body.name)) {
        throw new MgitRequestError(
          `a remote named '${body.name}' already exists`,
          409,
          'remove it first'
        );
      }
      this.remotes.push({
        name: body.name,
        url: `/root/${body.url}`,
        options: body.options,
        promisor: false
      });
      return { remotes: this.remotes };
    }
    if (route === 'remotes') {
      return { remotes: this.remotes };
    }
    const status = route.match(/^remotes\/([^/]+)\/status$/);
    if (status) {
      return tracking({ name: decodeURIComponent(status[1]), ahead: ['x'], ahead_count: 1 });
    }
    const one = route.match(/^remotes\/([^/]+)$/);
    if (one && init.method === 'DELETE') {
      this.remotes = this.remotes.filter(r => r.name !== decodeURIComponent(one[1]));
      return { remotes: this.remotes };
    }
    throw new MgitRequestError(`unexpected ${endPoint}`, 500);
  }) as RequestFunction;

  runJob: JobFunction = (async (
    endPoint: string,
    body: object,
    onProgress?: (job: IJobPayload) => void
  ) => {
    this.jobs.push({ endPoint, body: body as Record<string, unknown> });
    const job = {
      id: 'j1',
      status: 'running',
      progress: { done: 1, total: 4, fraction: 0.25, step: 'sending objects' }
    } as unknown as IJobPayload;
    onProgress?.(job);
    if (this.fail) {
      throw this.fail;
    }
    return payload({ verb: endPoint, versions: ['base'], objects: 2, packs: 1 });
  }) as JobFunction;
}

describe('RemotesModel', () => {
  it('lists the remotes of the repository with their status', async () => {
    const server = new FakeServer();
    server.remotes.push({ name: 'origin', url: '/root/team', options: {}, promisor: false });
    const model = new RemotesModel(server.request, server.runJob);
    await model.setRepository('models');
    assert.deepEqual(
      model.remotes.map(r => r.name),
      ['origin']
    );
    assert.equal(model.tracking('origin')?.ahead_count, 1);
    assert.deepEqual(server.calls, [
      'GET remotes?repo=models',
      'GET remotes/origin/status?repo=models'
    ]);
  });

  it('refuses bad input before any request, naming the field; shows the server refusal', async () => {
    const server = new FakeServer();
    const model = new RemotesModel(server.request, server.runJob);
    await model.setRepository('models');
    const before = server.calls.length;
    assert.equal(await model.add('bad name', 'team'), false);
    assert.equal(model.formError.field, 'name');
    assert.equal(await model.add('team', 's3://k:s@b/p'), false);
    assert.equal(model.formError.field, 'url');
    assert.equal(await model.add('team', 's3://b/p', 'ftp://x'), false);
    assert.equal(model.formError.field, 'endpoint');
    assert.equal(server.calls.length, before);
    assert.equal(await model.add('origin', 'team/models'), true);
    assert.equal(model.formError.text, '');
    assert.equal(await model.add('origin', 'other'), false);
    assert.equal(
      model.formError.text,
      "Cannot add origin: a remote named 'origin' already exists (remove it first)"
    );
    assert.equal(model.formError.field, 'name');
    await model.remove('origin');
    assert.deepEqual(model.remotes, []);
  });

  it('runs a transfer as a job with progress, keeps its outcome, one at a time', async () => {
    const server = new FakeServer();
    const model = new RemotesModel(server.request, server.runJob);
    await model.setRepository('models');
    await model.add('origin', 'team');
    const seen: string[] = [];
    model.changed.connect((_, what) => {
      if (what === 'running' && model.running?.job) {
        seen.push(model.running.job.progress.step);
      }
    });
    const outcome = await model.transfer('push', 'origin', ['ft']);
    assert.ok(outcome.ok);
    assert.deepEqual(server.jobs, [
      { endPoint: 'push', body: { repo: 'models', remote: 'origin', versions: ['ft'] } }
    ]);
    assert.deepEqual(seen, ['sending objects']);
    assert.equal(model.running, null);
    assert.equal(model.outcome('origin')?.result?.versions[0], 'base');

    server.fail = new MgitRequestError("1 name(s) label different versions: 'ft'", 409, 'rename');
    const failed = await model.transfer('pull', 'origin');
    assert.equal(failed.ok, false);
    assert.equal(failed.status, 409);
    assert.match(model.outcome('origin')?.error ?? '', /^Pull from origin: Conflict: .*'ft'/);
    assert.deepEqual(server.jobs[1].body, { repo: 'models', remote: 'origin' });

    // a second transfer while one runs is refused (the first one's promise still pending)
    server.fail = null;
    const first = model.transfer('fetch', 'origin');
    const second = await model.transfer('push', 'origin');
    assert.equal(second.ok, false);
    assert.match(second.error, /Wait for the fetch with origin to finish/);
    assert.ok((await first).ok);
  });
});
