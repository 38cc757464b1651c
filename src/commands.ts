/**
 * Every panel action as a JupyterLab command with an id (palette, context menu, toolbar and
 * keyboard all run these). Commands act on the panel's selection; the server does the work.
 */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { Dialog, ICommandPalette, InputDialog, showDialog } from '@jupyterlab/apputils';

import { requestAPI } from './api';
import { openCascade } from './cascade/cascadeView';
import { openDiff } from './diff/diffView';
import { jobFraction, runJob } from './jobs';
import { openMergeDialog } from './merge/mergeDialog';
import { errorText, notifyError, notifySuccess } from './notify';
import { LineagePanel } from './panel';
import { CommandIDs, ICheckoutPayload, IGraphNode, ITestResult, PANEL_ID } from './tokens';

const CATEGORY = 'Model lineage (mgit)';

/** Ask for another version than `exclude` (by name); null when cancelled. */
export async function pickVersion(
  panel: LineagePanel,
  title: string,
  exclude: string,
  preferred?: string
): Promise<IGraphNode | null> {
  const nodes = (panel.model.payload?.nodes ?? []).filter(n => n.id !== exclude);
  if (!nodes.length) {
    return null;
  }
  const names = nodes.map(n => n.name);
  const result = await InputDialog.getItem({
    title,
    items: names,
    current: preferred && names.includes(preferred) ? names.indexOf(preferred) : 0
  });
  if (!result.button.accept || !result.value) {
    return null;
  }
  return panel.model.nodeByName(result.value) ?? null;
}

export function registerCommands(
  app: JupyterFrontEnd,
  panel: LineagePanel,
  palette: ICommandPalette | null,
  browserFolder: () => string
): void {
  const { commands, shell } = app;
  const model = panel.model;
  const sel = (): IGraphNode[] =>
    model.selection.map(id => model.node(id)).filter(Boolean) as IGraphNode[];
  const one = (): boolean => model.selection.length >= 1;
  const repo = (): string => model.repo ?? '';

  const add = (id: string, options: CommandRegistryOptions): void => {
    commands.addCommand(id, options);
    palette?.addItem({ command: id, category: CATEGORY });
  };
  type CommandRegistryOptions = Parameters<typeof commands.addCommand>[1];

  add(CommandIDs.open, {
    label: 'Show Model Lineage',
    caption: 'Open the mgit lineage sidebar',
    execute: () => {
      shell.activateById(PANEL_ID);
      // after the palette (if it ran this) has closed and given focus back
      setTimeout(() => panel.canvas.node.focus(), 50);
    }
  });
  add(CommandIDs.refresh, {
    label: 'Refresh Lineage',
    caption: 'Reload the lineage graph',
    execute: () => panel.refresh()
  });
  add(CommandIDs.pickRepository, {
    label: 'Find Repository of the File Browser Folder',
    execute: () => model.setFolder(browserFolder())
  });
  add(CommandIDs.initRepository, {
    label: 'Create mgit Repository Here',
    caption: 'mgit init in the file browser’s folder',
    execute: async () => {
      const folder = browserFolder();
      const answer = await showDialog({
        title: 'Create an mgit repository',
        body: `Create an mgit repository in ${folder || 'the server root'}?`,
        buttons: [Dialog.cancelButton(), Dialog.okButton({ label: 'Create' })]
      });
      if (!answer.button.accept) {
        return;
      }
      try {
        await model.setFolder(folder);
        await model.initRepository(folder);
        notifySuccess(`Created an mgit repository in ${folder || 'the root'}`);
      } catch (error) {
        notifyError('Cannot create the repository', error);
      }
    }
  });
  add(CommandIDs.zoomIn, { label: 'Zoom In', execute: () => panel.canvas.zoomBy(1.25) });
  add(CommandIDs.zoomOut, { label: 'Zoom Out', execute: () => panel.canvas.zoomBy(0.8) });
  add(CommandIDs.fit, { label: 'Fit Lineage to View', execute: () => panel.canvas.fit() });
  add(CommandIDs.zoomSelection, {
    label: 'Zoom to Selection',
    isEnabled: one,
    execute: () => panel.canvas.zoomTo(model.selection)
  });
  add(CommandIDs.search, {
    label: 'Filter Versions',
    execute: () => {
      shell.activateById(PANEL_ID);
      panel.focusSearch();
    }
  });
  add(CommandIDs.details, {
    label: 'Show Details',
    isEnabled: one,
    execute: () => panel.showDetails(model.selection[0])
  });
  add(CommandIDs.collapse, {
    label: 'Collapse/Expand Subtree',
    isEnabled: one,
    execute: () => panel.toggleCollapse(model.selection[0])
  });

  add(CommandIDs.runTests, {
    label: 'Run Tests',
    caption: 'Run the registered tests on the selected versions',
    isEnabled: one,
    execute: async () => {
      const versions = sel().map(n => n.name);
      const title = `Testing ${versions.join(', ')}`;
      try {
        const result = await runJob<{ results: ITestResult[] }>(
          'tests/run',
          { repo: repo(), versions },
          job => panel.showProgress(title, job, jobFraction(job))
        );
        const failed = result.results.filter(r => r.status === 'failed');
        if (!result.results.length) {
          notifyError('No tests ran', 'no test is registered for these versions (mgit tests add)');
        } else if (failed.length) {
          notifyError(
            'Tests failed',
            failed
              .map(r => {
                const bad = Object.entries(r.checks)
                  .filter(([, c]) => c.passed === false)
                  .map(([k, c]) => `${k} = ${c.value.toPrecision(4)}, needs ${c.condition}`);
                return `${r.version_name}/${r.test}: ${bad.join('; ')}`;
              })
              .join(' | ')
          );
        } else {
          notifySuccess(`${result.results.length} test result(s): all passed`);
        }
      } catch (error) {
        notifyError('Cannot run the tests', error);
      } finally {
        panel.showProgress(null);
        await model.reload();
      }
    }
  });

  add(CommandIDs.diff, {
    label: 'Diff With…',
    caption: 'Compare the selected version with another one (module graph and parameters)',
    isEnabled: one,
    execute: async () => {
      const [a, b] = sel();
      const other =
        b ?? (await pickVersion(panel, `Diff ${a.name} with`, a.id, a.parents[0]?.name));
      if (other) {
        openDiff(app, model.repo ?? '', a.name, other.name);
      }
    }
  });

  add(CommandIDs.merge, {
    label: 'Merge With…',
    caption: 'Merge the selected version with another one',
    isEnabled: one,
    execute: async () => {
      const [a, b] = sel();
      const other = b ?? (await pickVersion(panel, `Merge ${a.name} with`, a.id));
      if (other) {
        await openMergeDialog(panel, a, other);
      }
    }
  });

  add(CommandIDs.cascade, {
    label: 'Cascade From Here…',
    caption: 'Rebuild the descendants of this version on a new version of it',
    isEnabled: one,
    execute: async () => {
      const [old, chosen] = sel();
      const version = model.payload?.nodes.find(n =>
        n.parents.some(p => p.id === old.id && p.relation === 'version')
      );
      const next =
        chosen ?? (await pickVersion(panel, `New version of ${old.name}`, old.id, version?.name));
      if (next) {
        await openCascade(app, panel, old.name, next.name);
      }
    }
  });

  add(CommandIDs.tag, {
    label: 'Tag…',
    isEnabled: one,
    execute: async () => {
      const v = sel()[0];
      const answer = await InputDialog.getText({
        title: `Tag ${v.name}`,
        placeholder: 'e.g. best'
      });
      if (!answer.button.accept || !answer.value) {
        return;
      }
      try {
        await requestAPI('tags', {
          method: 'POST',
          body: JSON.stringify({ repo: repo(), version: v.name, tag: answer.value, move: true })
        });
        await model.reload();
      } catch (error) {
        notifyError(`Cannot tag ${v.name}`, error);
      }
    }
  });

  add(CommandIDs.rename, {
    label: 'Rename…',
    isEnabled: one,
    execute: async () => {
      const v = sel()[0];
      const answer = await InputDialog.getText({ title: `Rename ${v.name}`, text: v.name });
      if (!answer.button.accept || !answer.value || answer.value === v.name) {
        return;
      }
      try {
        await requestAPI(`versions/${encodeURIComponent(v.id)}/rename`, {
          method: 'POST',
          body: JSON.stringify({ repo: repo(), name: answer.value })
        });
        await model.reload();
      } catch (error) {
        notifyError(`Cannot rename ${v.name}`, error);
      }
    }
  });

  add(CommandIDs.reparent, {
    label: 'Reparent…',
    caption: 'Give the selected version another parent',
    isEnabled: one,
    execute: async () => {
      const [v, chosen] = sel();
      const parent = chosen ?? (await pickVersion(panel, `New parent of ${v.name}`, v.id));
      if (!parent) {
        return;
      }
      try {
        await requestAPI(`versions/${encodeURIComponent(v.id)}/reparent`, {
          method: 'POST',
          body: JSON.stringify({
            repo: repo(),
            parents: [parent.name],
            relation: v.relation ?? 'finetune'
          })
        });
        await model.reload();
        panel.select([v.id]);
      } catch (error) {
        notifyError(`Cannot reparent ${v.name}`, error);
      }
    }
  });

  add(CommandIDs.exportVersion, {
    label: 'Export…',
    caption: 'Write the version to a safetensors/pt file or a Hugging Face folder',
    isEnabled: one,
    execute: async () => {
      const v = sel()[0];
      const folder = browserFolder();
      const answer = await InputDialog.getText({
        title: `Export ${v.name} (.safetensors, .pt, or a folder name for Hugging Face)`,
        text: `${folder ? folder + '/' : ''}${v.name}.safetensors`
      });
      if (!answer.button.accept || !answer.value) {
        return;
      }
      try {
        const done = await requestAPI<ICheckoutPayload>(
          `versions/${encodeURIComponent(v.id)}/export`,
          { method: 'POST', body: JSON.stringify({ repo: repo(), path: answer.value }) }
        );
        notifySuccess(`Exported ${done.version} to ${done.path} (${done.format})`);
      } catch (error) {
        notifyError(`Cannot export ${v.name}`, error);
      }
    }
  });

  add(CommandIDs.remove, {
    label: 'Remove…',
    isEnabled: one,
    execute: async () => {
      const v = sel()[0];
      const answer = await showDialog({
        title: `Remove ${v.name}?`,
        body: `The version ${v.name} leaves the lineage; its tensors are freed by the next gc.`,
        buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: 'Remove' })]
      });
      if (!answer.button.accept) {
        return;
      }
      try {
        await requestAPI(`versions/${encodeURIComponent(v.id)}?${model.repoQuery()}`, {
          method: 'DELETE'
        });
        await model.reload();
      } catch (error) {
        await showDialog({
          title: `${v.name} was not removed`,
          body: errorText(error),
          buttons: [Dialog.okButton()]
        });
      }
    }
  });
}
