/**
 * Shared shapes: TypeScript mirrors of the JSON payloads in `mgit_lab/core/schema.py`,
 * plus the command ids and widget ids the plugins use.
 */

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
  /** Stored with a lossy codec. */
  lossy: boolean;
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

/** `GET mgit/api/repos` (Python `RepositoryInfo`). */
export interface IRepositoryInfo {
  path: string;
  name: string;
}

/** `GET mgit/api/repos?near=` (Python `RepositoryList`). */
export interface IRepositoryList {
  repositories: IRepositoryInfo[];
  nearest: string | null;
  truncated: boolean;
}

/** `GET mgit/api/versions/{key}` (Python `VersionDetail`; the fields the panel reads). */
export interface IVersionDetail extends IGraphNode {
  manifest: {
    num_tensors: number;
    num_parameters: number;
    dtypes: { [dtype: string]: number };
    same_as_parent: number;
    changed_from_parent: number;
    added: number;
    removed: number;
  };
  children: IParentRef[];
  metadata: { [key: string]: unknown };
  metrics: { [key: string]: unknown };
  tests: { [key: string]: unknown };
  architecture: { [key: string]: unknown } | null;
  recipe: { [key: string]: unknown } | null;
}

/** Progress of a job (Python `JobProgress`). */
export interface IJobProgress {
  done: number;
  total: number;
  fraction: number | null;
  step: string;
}

/** `GET mgit/api/jobs/{id}` (Python `JobPayload`). */
export interface IJobPayload {
  id: string;
  kind: string;
  repo: string;
  title: string;
  status: 'queued' | 'running' | 'done' | 'failed' | 'cancelled';
  cancel_requested: boolean;
  created: string;
  started: string | null;
  finished: string | null;
  progress: IJobProgress;
  log: string[];
  result: unknown;
  error: { message: string; hint: string | null; status: number } | null;
}

/** One metric against its condition (Python `MetricCheck`). */
export interface IMetricCheck {
  value: number;
  direction: string;
  condition: string | null;
  passed: boolean | null;
}

/** One stored test result (Python `TestResult`). */
export interface ITestResult {
  test: string;
  ref: string;
  version: string;
  version_name: string;
  status: string;
  metrics: { [metric: string]: number };
  checks: { [metric: string]: IMetricCheck };
  duration_s: number;
  ran_at: string;
  weights: string;
}

/** One argument of a merge strategy (Python `MergeArgumentInfo`). */
export interface IMergeArgumentInfo {
  name: string;
  type: 'float' | 'int' | 'bool' | 'str';
  default: unknown;
  min: number | null;
  max: number | null;
  description: string;
}

/** A merge strategy's self-description (Python `MergeStrategyInfo`). */
export interface IMergeStrategyInfo {
  name: string;
  description: string;
  needs_ancestor: boolean;
  resolves: string[];
  arguments: IMergeArgumentInfo[];
}

/** One parameter in a merge plan (Python `MergeParameter`). */
export interface IMergeParameter {
  name: string;
  state: string;
  auto: boolean;
  shape_a: number[] | null;
  shape_b: number[] | null;
  shape_ancestor: number[] | null;
}

/** What one strategy would do with a plan's conflicts (Python `StrategyPreview`). */
export interface IStrategyPreview {
  name: string;
  applicable: boolean;
  reason: string;
  unresolved: string[];
}

/** `GET mgit/api/merge/plan` (Python `MergePlan`). */
export interface IMergePlan {
  a: string;
  b: string;
  a_name: string;
  b_name: string;
  ancestor: string | null;
  ancestor_name: string | null;
  counts: { [state: string]: number };
  auto: number;
  conflicts: number;
  parameters: IMergeParameter[];
  strategies: IStrategyPreview[];
}

/** A finished merge job's result (Python `MergeResult`). */
export interface IMergeResult {
  plan: IMergePlan;
  strategy: string;
  args: { [name: string]: unknown };
  overrides: { [pattern: string]: string };
  dry_run: boolean;
  version: string | null;
  version_id: string | null;
  tests: ITestResult[];
  problems: string[];
}

/** One rebuilt descendant of a cascade (Python `CascadeEntry`). */
export interface ICascadeEntry {
  old: string;
  new: string | null;
  recipe: string;
  parents: string[];
  status: string;
  reason: string;
  before: { [test: string]: { [metric: string]: number } };
  after: { [test: string]: { [metric: string]: number } };
  tests: ITestResult[];
}

/** A finished cascade job's result (Python `CascadeReport`). */
export interface ICascadeReport {
  old: string;
  new: string;
  dry_run: boolean;
  entries: ICascadeEntry[];
  updated: string[];
  not_updated: string[];
  complete: boolean;
}

/** The status of a node, edge or parameter in a model diff. */
export type DiffStatus = 'same' | 'changed' | 'added' | 'removed';

/** One module of a diff's graph (Python `DiffNodeJSON`; the fields the panel reads). */
export interface IDiffNode {
  id: string;
  status: DiffStatus;
  kind: 'module' | 'input' | 'output';
  a: { name: string; type: string } | null;
  b: { name: string; type: string } | null;
  changes: string[];
}

/** One parameter of a diff (Python `DiffParamJSON`; the fields the panel reads). */
export interface IDiffParam {
  a: string | null;
  b: string | null;
  status: DiffStatus;
  shape_a: number[] | null;
  shape_b: number[] | null;
  numel: number;
  relative: number | null;
  fraction_changed: number | null;
}

/** A finished diff job's result (Python `ModelDiffJSON`; the fields the panel reads). */
export interface IModelDiff {
  a: { label: string; num_nodes: number; num_parameters: number };
  b: { label: string; num_nodes: number; num_parameters: number };
  mode: 'structural' | 'contextual';
  nodes: IDiffNode[];
  edges: { source: string; target: string; status: DiffStatus }[];
  params: IDiffParam[];
  summary: {
    identical: boolean;
    nodes: { [status: string]: number };
    edges: { [status: string]: number };
    params: { [status: string]: number };
    changed_elements: number;
  };
  notes: string[];
}

/** `POST mgit/api/versions/{key}/export` (Python `CheckoutPayload`). */
export interface ICheckoutPayload {
  version: string;
  path: string;
  format: string;
  num_tensors: number;
  bytes_written: number;
}

/** `GET mgit/api/revision` (Python `RevisionPayload`). */
export interface IRevisionPayload {
  repo: string;
  revision: number;
}
