/**
 * A generated lineage for tests and benchmarks: a realistic mix of chains, sweeps of 20-50
 * sibling fine-tunes, and merges, seeded (same input, same graph).
 */
import { IGraphNode, IGraphPayload, Relation } from '../tokens';

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

const TYPES = ['mlm', 'classifier', 'ner', 'qa', null];
const RELATIONS: Relation[] = ['finetune', 'version', 'prune', 'quantize', 'distill', 'adapter'];

export function generateLineage(count: number, seed = 1): IGraphPayload {
  const random = rng(seed);
  const nodes: IGraphNode[] = [];
  const add = (parents: [string, Relation][]): string => {
    const id = `v${nodes.length.toString(16).padStart(5, '0')}`;
    const type = TYPES[Math.floor(random() * TYPES.length)];
    nodes.push({
      id,
      name: `model-${nodes.length}`,
      model_type: type,
      parents: parents.map(([p, relation]) => ({ id: p, name: p, relation })),
      relation: parents[0]?.[1] ?? null,
      created: '2026-12-01T00:00:00Z',
      author: 'bench',
      message: '',
      tags: random() < 0.05 ? ['best'] : [],
      num_parameters: 1000,
      num_tensors: 10,
      stored_bytes: Math.floor(random() * 1e7),
      raw_bytes: 1e7,
      test_status: random() < 0.3 ? 'pass' : random() < 0.1 ? 'fail' : 'none',
      lossy: random() < 0.05
    });
    return id;
  };
  let tips = [add([])];
  while (nodes.length < count) {
    const pick = tips[Math.floor(random() * tips.length)];
    const r = random();
    if (r < 0.15) {
      // a sweep of 20-50 leaf fine-tunes; one of them goes on
      const n = Math.min(20 + Math.floor(random() * 31), count - nodes.length);
      let last = pick;
      for (let i = 0; i < n; i++) {
        last = add([[pick, 'finetune']]);
      }
      tips.push(last);
    } else if (r < 0.22 && tips.length > 1 && nodes.length < count) {
      const other = tips[Math.floor(random() * tips.length)];
      if (other !== pick) {
        tips.push(
          add([
            [pick, 'merge'],
            [other, 'merge']
          ])
        );
      }
    } else if (r < 0.3 && nodes.length < count) {
      tips.push(add([]));
    } else {
      // a chain of 1-8 versions
      let last = pick;
      const n = Math.min(1 + Math.floor(random() * 8), count - nodes.length);
      for (let i = 0; i < n; i++) {
        last = add([[last, RELATIONS[Math.floor(random() * RELATIONS.length)]]]);
      }
      tips.push(last);
    }
    if (tips.length > 60) {
      tips = tips.slice(-60);
    }
  }
  return {
    revision: 1,
    nodes,
    edges: nodes.flatMap(n =>
      n.parents.map(p => ({ parent: p.id, child: n.id, relation: p.relation }))
    )
  };
}
