/**
 * Shared shapes: TypeScript mirrors of the JSON payloads in `mgit_lab/core/schema.py`,
 * plus the command ids and widget ids the plugins use.
 */

/** Command ids registered by the plugins. */
export namespace CommandIDs {
  /** Show the lineage sidebar. */
  export const open = 'mgit-lab:open';
}

/** Id of the lineage sidebar widget (also its tab's `data-id`). */
export const PANEL_ID = 'mgit-lineage-panel';

/** How a child version came from its parent (Python `Relation`). */
export type Relation =
  'finetune' | 'version' | 'prune' | 'quantize' | 'distill' | 'adapter' | 'merge';

/** One incoming edge of a version (Python `ParentRef`). */
export interface IParentRef {
  id: string;
  name: string;
  relation: Relation;
}

/** Whether a version's stored tests passed (Python `TestStatus`). */
export type TestStatus = 'pass' | 'fail' | 'none';

/** One node of `GET mgit/api/graph` (Python `VersionSummary`): no manifest, cheap. */
export interface IGraphNode {
  id: string;
  name: string;
  model_type: string | null;
  parents: IParentRef[];
  /** Relation to the first parent; null for a root. */
  relation: Relation | null;
  created: string;
  author: string;
  message: string;
  tags: string[];
  num_parameters: number;
  num_tensors: number;
  /** Bytes of objects this version was the first to store. */
  stored_bytes: number;
  /** Bytes its tensors take uncompressed (its checkpoint size). */
  raw_bytes: number;
  test_status: TestStatus;
}

/** One edge: `child` came from `parent` by `relation`. */
export interface IGraphEdge {
  parent: string;
  child: string;
  relation: Relation;
}

/** `GET mgit/api/graph`: the whole lineage graph. */
export interface IGraphPayload {
  /** Bumped by every committed change; clients poll it to refresh. */
  revision: number;
  nodes: IGraphNode[];
  edges: IGraphEdge[];
}

/** `GET mgit/api/version`. */
export interface IVersionPayload {
  version: string;
}

/** The body of every error response. */
export interface IErrorPayload {
  message: string;
  hint?: string | null;
}
