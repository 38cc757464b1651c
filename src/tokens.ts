/**
 * Shared shapes: the names of the generated payload types (src/schema.d.ts), plus the
 * command ids and widget ids the plugins use.
 */

import type { components } from './schema';

/** Command ids registered by the plugins. */
export namespace CommandIDs {
  /** Show the lineage sidebar. */
  export const open = 'mgit-lab:open';
}

/** Id of the lineage sidebar widget (also its tab's `data-id`). */
export const PANEL_ID = 'mgit-lineage-panel';

// The payload types are GENERATED (src/schema.d.ts, from mgit_lab/server/openapi.yaml, itself
// generated from mgit_lab/core/schema.py); these are the names the panel uses for them.
type Schemas = components['schemas'];

/** How a child version came from its parent (Python `Relation`). */
export type Relation = Schemas['ParentRef']['relation'];

/** One incoming edge of a version (Python `ParentRef`). */
export type IParentRef = Schemas['ParentRef'];

/** Whether a version's stored tests passed (Python `TestStatus`). */
export type TestStatus = Schemas['VersionSummary']['test_status'];

/** One node of `GET mgit/api/graph` (Python `VersionSummary`): no manifest, cheap. */
export type IGraphNode = Schemas['VersionSummary'];

/** One edge: `child` came from `parent` by `relation`. */
export type IGraphEdge = Schemas['EdgePayload'];

/** `GET mgit/api/graph`: the whole lineage graph. */
export type IGraphPayload = Schemas['GraphPayload'];

/** `GET mgit/api/version`. */
export type IVersionPayload = Schemas['ServerVersion'];

/** The body of every error response. */
export type IErrorPayload = Schemas['ErrorPayload'];
