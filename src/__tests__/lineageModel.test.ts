/**
 * Unit tests of the sidebar's state (no DOM): finding the repository, polling the revision,
 * keeping the selection across refreshes. The request function is a fake server.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { LineageModel, RequestFunction } from '../panel/lineageModel';
import { MgitRequestError } from '../requestError';
import { IGraphPayload, IRepositoryList } from '../tokens';
import { generateLineage } from './generateLineage';

/** A fake REST API: repositories by path, each a graph; records the requests. */
class FakeServer {
  calls: string[] = [];
  graphs = new Map<string, IGraphPayload>();

  nearest(folder: string): string | null {
    const hits = [...this.graphs.keys()].filter(
      r => r === '' || folder === r || folder.startsWith(r + '/')
    );
    return hits.sort((a, b) => b.length - a.length)[0] ?? null;
  }

  request: RequestFunction = (async (endPoint = '', init: RequestInit = {}) => {
    this.calls.push(endPoint);
    const [route, query = ''] = endPoint.split('?');
    const params = new URLSearchParams(query);
    if (route === 'repos' && init.method === 'POST') {
      const path = JSON.parse(String(init.body)).path;
      this.graphs.set(path, { revision: 0, nodes: [], edges: [] });
      return { path, name: path };
    }
    if (route === 'repos') {
      const list: IRepositoryList = {
        repositories: [...this.graphs.keys()].sort().map(p => ({ path: p, name: p || 'root' })),
        nearest: this.nearest(params.get('near') ?? ''),
        truncated: false
      };
      return list;
    }
    const graph = this.graphs.get(params.get('repo') ?? '');
    if (!graph) {
      throw new MgitRequestError('no mgit repository', 404, 'run mgit init');
    }
    if (route === 'graph') {
      return structuredClone(graph);
    }
    if (route === 'revision') {
      return { repo: params.get('repo'), revision: graph.revision };
    }
    throw new Error(`unexpected request ${endPoint}`);
  }) as RequestFunction;
}

function server(): FakeServer {
  const s = new FakeServer();
  s.graphs.set('models', generateLineage(20, 3));
  s.graphs.set('other', generateLineage(5, 4));
  return s;
}

describe('LineageModel', () => {
  it('shows the repository at or above the file browser folder', async () => {
    const s = server();
    const model = new LineageModel(s.request);
    await model.setFolder('models/notebooks/deep');
    assert.equal(model.repo, 'models');
    assert.equal(model.status, 'ready');
    assert.equal(model.payload!.nodes.length, 20);
    await model.setFolder('other');
    assert.equal(model.repo, 'other');
  });

  it('says there is none, lists the choices, and follows a pick', async () => {
    const s = server();
    const model = new LineageModel(s.request);
    await model.setFolder('elsewhere');
    assert.equal(model.status, 'none');
    assert.equal(model.repo, null);
    assert.deepEqual(
      model.repositories!.repositories.map(r => r.path),
      ['models', 'other']
    );
    await model.useRepository('other');
    assert.equal(model.repo, 'other');
    assert.equal(model.payload!.nodes.length, 5);
    // a single repository under the root is shown without asking
    s.graphs.delete('other');
    const single = new LineageModel(s.request);
    await single.setFolder('elsewhere');
    assert.equal(single.repo, 'models');
  });

  it('creates a repository in the folder (mgit init) and shows it', async () => {
    const s = server();
    const model = new LineageModel(s.request);
    await model.setFolder('fresh');
    await model.initRepository();
    assert.equal(model.repo, 'fresh');
    assert.equal(model.status, 'ready');
    assert.equal(model.payload!.nodes.length, 0);
  });

  it('polls the revision and fetches the graph only when it moved', async () => {
    const s = server();
    const model = new LineageModel(s.request);
    await model.setFolder('models');
    const graphs = (): number => s.calls.filter(c => c.startsWith('graph')).length;
    const before = graphs();
    assert.equal(await model.poll(), false);
    assert.equal(graphs(), before);
    const g = s.graphs.get('models')!;
    const added = structuredClone(g.nodes[0]);
    added.id = 'cli-added';
    added.name = 'cli-added';
    g.nodes.push(added);
    g.revision += 1;
    assert.equal(await model.poll(), true);
    assert.equal(graphs(), before + 1);
    assert.ok(model.node('cli-added'));
  });

  it('keeps the selection across refreshes and drops removed versions', async () => {
    const s = server();
    const model = new LineageModel(s.request);
    await model.setFolder('models');
    const [a, b] = model.payload!.nodes;
    model.setSelection([a.id, b.id, 'not-a-version']);
    assert.deepEqual(model.selection, [a.id, b.id]);
    const g = s.graphs.get('models')!;
    g.nodes = g.nodes.filter(n => n.id !== b.id);
    g.revision += 1;
    await model.poll();
    assert.deepEqual(model.selection, [a.id]);
  });

  it('falls back to finding repositories when the shown one disappears', async () => {
    const s = server();
    const model = new LineageModel(s.request);
    await model.setFolder('models');
    s.graphs.delete('models');
    await model.reload();
    // 'other' is now the only repository: shown without asking
    assert.equal(model.repo, 'other');
  });
});
