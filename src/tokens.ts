/**
 * Shared shapes: the names of the generated payload types (src/schema.d.ts), plus the
 * command ids and widget ids the plugins use.
 */

import type { components } from './schema';

/** Command ids registered by the plugins (all in the command palette under "mgit"). */
export namespace CommandIDs {
  /** Show the lineage sidebar. */
  export const open = 'mgit-lab:open';
  export const refresh = 'mgit-lab:refresh';
  export const pickRepository = 'mgit-lab:pick-repository';
  export const initRepository = 'mgit-lab:init-repository';
  export const zoomIn = 'mgit-lab:zoom-in';
  export const zoomOut = 'mgit-lab:zoom-out';
  export const fit = 'mgit-lab:fit';
  export const zoomSelection = 'mgit-lab:zoom-to-selection';
  export const search = 'mgit-lab:search';
  export const details = 'mgit-lab:show-details';
  export const runTests = 'mgit-lab:run-tests';
  export const diff = 'mgit-lab:diff';
  export const merge = 'mgit-lab:merge';
  export const cascade = 'mgit-lab:cascade';
  export const tag = 'mgit-lab:tag';
  export const rename = 'mgit-lab:rename';
  export const reparent = 'mgit-lab:reparent';
  export const exportVersion = 'mgit-lab:export';
  export const remove = 'mgit-lab:remove';
  export const collapse = 'mgit-lab:toggle-collapse';
  export const fetch = 'mgit-lab:fetch';
  export const pull = 'mgit-lab:pull';
  export const push = 'mgit-lab:push';
  export const pushSelected = 'mgit-lab:push-selected';
  export const remotes = 'mgit-lab:show-remotes';
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

/** `GET mgit/api/repos` (Python `RepositoryInfo`). */
export type IRepositoryInfo = Schemas['RepositoryInfo'];

/** `GET mgit/api/repos?near=` (Python `RepositoryList`). */
export type IRepositoryList = Schemas['RepositoryList'];

/** `GET mgit/api/revision` (Python `RevisionPayload`). */
export type IRevisionPayload = Schemas['RevisionPayload'];

/** `GET mgit/api/versions/{key}` (Python `VersionDetail`). */
export type IVersionDetail = Schemas['VersionDetail'];

/** Progress of a job (Python `JobProgress`). */
export type IJobProgress = Schemas['JobProgress'];

/** `GET mgit/api/jobs/{id}` (Python `JobPayload`). */
export type IJobPayload = Schemas['JobPayload'];

/** One metric against its condition (Python `MetricCheck`). */
export type IMetricCheck = Schemas['MetricCheck'];

/** One stored test result (Python `ModelTestResult`). */
export type ITestResult = Schemas['ModelTestResult'];

/** One argument of a merge strategy (Python `MergeArgumentInfo`). */
export type IMergeArgumentInfo = Schemas['MergeArgumentInfo'];

/** A merge strategy's self-description (Python `MergeStrategyInfo`). */
export type IMergeStrategyInfo = Schemas['MergeStrategyInfo'];

/** One parameter in a merge plan (Python `MergeParameter`). */
export type IMergeParameter = Schemas['MergeParameter'];

/** What one strategy would do with a plan's conflicts (Python `StrategyPreview`). */
export type IStrategyPreview = Schemas['StrategyPreview'];

/** `GET mgit/api/merge/plan` (Python `MergePlan`). */
export type IMergePlan = Schemas['MergePlan'];

/** A finished merge job's result (Python `MergeResult`). */
export type IMergeResult = Schemas['MergeResult'];

/** One rebuilt descendant of a cascade (Python `CascadeEntry`). */
export type ICascadeEntry = Schemas['CascadeEntry'];

/** A finished cascade job's result (Python `CascadeReport`). */
export type ICascadeReport = Schemas['CascadeReport'];

/** One module of a diff's graph (Python `DiffNodeJSON`). */
export type IDiffNode = Schemas['DiffNodeJSON'];

/** The status of a module or parameter in a model diff. */
export type DiffStatus = IDiffNode['status'];

/** One parameter of a diff (Python `DiffParamJSON`). */
export type IDiffParam = Schemas['DiffParamJSON'];

/** A finished diff job's result (Python `ModelDiffJSON`). */
export type IModelDiff = Schemas['ModelDiffJSON'];

/** `POST mgit/api/versions/{key}/export` (Python `CheckoutPayload`). */
export type ICheckoutPayload = Schemas['CheckoutPayload'];

/** A configured remote: name, URL, options; never a credential (Python `RemoteInfo`). */
export type IRemoteInfo = Schemas['RemoteInfo'];

/** `GET mgit/api/remotes` (Python `RemoteList`). */
export type IRemoteList = Schemas['RemoteList'];

/** `GET mgit/api/remotes/{name}/status`: versions to push and to pull (Python `RemoteTracking`). */
export type IRemoteTracking = Schemas['RemoteTracking'];

/** A finished push, fetch or pull job's result (Python `TransferPayload`). */
export type ITransferPayload = Schemas['TransferPayload'];
