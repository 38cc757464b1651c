/**
 * Merge two versions from the panel: load the strategy registry and the dry-run plan, show
 * the form, run the merge as a job with progress, then select the new version.
 */
import { Dialog, showDialog } from '@jupyterlab/apputils';

import { requestAPI } from '../api';
import { jobFraction, runJob } from '../jobs';
import { notifyError, notifySuccess } from '../notify';
import { LineagePanel } from '../panel/lineagePanel';
import { IGraphNode, IMergePlan, IMergeResult, IMergeStrategyInfo } from '../tokens';
import { MergeForm } from './mergeForm';

export async function openMergeDialog(
  panel: LineagePanel,
  a: IGraphNode,
  b: IGraphNode
): Promise<void> {
  const repo = panel.model.repo ?? '';
  let plan: IMergePlan;
  let strategies: IMergeStrategyInfo[];
  try {
    const q = `repo=${encodeURIComponent(repo)}&a=${encodeURIComponent(a.name)}&b=${encodeURIComponent(b.name)}`;
    [plan, { strategies }] = await Promise.all([
      requestAPI<IMergePlan>(`merge/plan?${q}`),
      requestAPI<{ strategies: IMergeStrategyInfo[] }>('merge/strategies')
    ]);
  } catch (error) {
    notifyError(`Cannot plan the merge of ${a.name} and ${b.name}`, error);
    return;
  }
  const form = new MergeForm(plan, strategies);
  const answer = await showDialog({
    title: `Merge ${a.name} and ${b.name}`,
    body: form,
    buttons: [Dialog.cancelButton(), Dialog.okButton({ label: 'Merge' })]
  });
  if (!answer.button.accept || !answer.value) {
    return;
  }
  const choice = answer.value;
  const title = `Merging ${a.name} and ${b.name} (${choice.strategy})`;
  try {
    const result = await runJob<IMergeResult>(
      'merge',
      {
        repo,
        a: a.name,
        b: b.name,
        strategy: choice.strategy,
        args: choice.args,
        ...(choice.name ? { name: choice.name } : {})
      },
      job => panel.showProgress(title, job, jobFraction(job))
    );
    await panel.model.reload();
    if (result.version_id) {
      panel.select([result.version_id]);
      panel.canvas.revealNode(result.version_id);
    }
    notifySuccess(
      `Merged into ${result.version}` +
        (result.problems.length ? ` (${result.problems.length} problem(s))` : '')
    );
  } catch (error) {
    notifyError(`Cannot merge ${a.name} and ${b.name}`, error);
  } finally {
    panel.showProgress(null);
  }
}
