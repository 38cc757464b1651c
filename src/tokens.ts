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

/** One node of `GET mgit/api/graph`: a model version without its parameter manifest. */
export interface IGraphNode {
  id: string;
  name: string;
  model_type: string | null;
  architecture?: Record<string, unknown> | null;
  message?: string;
  author?: string;
  created?: string;
  metadata?: Record<string, unknown>;
  metrics?: Record<string, unknown>;
  tests?: Record<string, unknown>;
  tags?: string[];
  recipe?: Record<string, unknown> | null;
  /** Ids of the parent versions. */
  parents?: string[];
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
