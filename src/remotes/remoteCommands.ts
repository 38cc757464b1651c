/**
 * The Remotes section in the lineage sidebar and its commands (palette, context menu and the
 * section's buttons all run these): fetch, pull, push (all versions or the selection), push
 * the selection from the graph's context menu, show the remotes, remove one. After a pull the
 * lineage graph is reloaded and the versions that arrived are selected.
 */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { Dialog, ICommandPalette, InputDialog, showDialog } from '@jupyterlab/apputils';

import { requestAPI } from '../api';
import { runJob } from '../jobs';
import { errorText } from '../notify';
import { LineagePanel } from '../panel';
import { CommandIDs, PANEL_ID } from '../tokens';
import { RemotesModel } from './remotesModel';
import { RemotesSection } from './remotesSection';
import { TransferVerb } from './remoteText';

const CATEGORY = 'Model lineage (mgit)';

interface ITransferArgs {
  remote?: string;
  selected?: boolean;
}

/** Build the Remotes section into `panel` and register its commands. */
export function attachRemotes(
  app: JupyterFrontEnd,
  panel: LineagePanel,
  palette: ICommandPalette | null
): RemotesSection {
  const { commands, shell } = app;
  const lineage = panel.model;
  const model = new RemotesModel(requestAPI, runJob);
  const selectedNames = (): string[] =>
    lineage.selection.map(id => lineage.node(id)?.name).filter((n): n is string => Boolean(n));

  const section = new RemotesSection(model, {
    transfer: (verb, remote, selected) =>
      void commands.execute(COMMAND[verb], { remote, selected }),
    remove: remote => void removeRemote(remote),
    selection: selectedNames
  });
  panel.addSection(section.node);

  // follow the panel's repository; a new revision may change what is ahead
  let revision = -1;
  lineage.changed.connect((_, what) => {
    if (what === 'selection') {
      section.updateScope();
      commands.notifyCommandChanged(CommandIDs.pushSelected);
      return;
    }
    const repo = lineage.status === 'ready' ? lineage.repo : null;
    if (repo !== model.repo) {
      revision = lineage.revision;
      void model.setRepository(repo);
    } else if (what === 'graph' && lineage.revision !== revision) {
      revision = lineage.revision;
      void model.refreshTracking();
    }
  });

  /** The remote to use: the one named, else origin, else the only one, else ask. */
  const chooseRemote = async (named: string | undefined, title: string): Promise<string | null> => {
    const names = model.remotes.map(r => r.name);
    if (named) {
      return named;
    }
    if (!names.length) {
      shell.activateById(PANEL_ID);
      section.focusAdd();
      return null;
    }
    if (names.includes('origin') || names.length === 1) {
      return names.includes('origin') ? 'origin' : names[0];
    }
    const answer = await InputDialog.getItem({ title, items: names });
    return answer.button.accept && answer.value ? answer.value : null;
  };

  const transfer = async (verb: TransferVerb, args: ITransferArgs): Promise<void> => {
    const remote = await chooseRemote(args.remote, `${LABEL[verb]} which remote?`);
    if (!remote) {
      return;
    }
    const versions = verb === 'push' && args.selected ? selectedNames() : [];
    section.setExpanded(true);
    const outcome = await model.transfer(verb, remote, versions);
    if (outcome.ok && verb === 'pull') {
      await lineage.reload();
      const arrived = (outcome.result?.versions ?? [])
        .map(name => lineage.nodeByName(name)?.id)
        .filter((id): id is string => Boolean(id));
      if (arrived.length) {
        panel.select(arrived);
      }
    }
  };

  const removeRemote = async (remote: string): Promise<void> => {
    const answer = await showDialog({
      title: `Remove the remote ${remote}?`,
      body: `This repository forgets ${remote}; nothing stored on the remote is deleted.`,
      buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: 'Remove' })]
    });
    if (!answer.button.accept) {
      return;
    }
    try {
      await model.remove(remote);
    } catch (error) {
      await showDialog({
        title: `${remote} was not removed`,
        body: errorText(error),
        buttons: [Dialog.okButton()]
      });
    }
  };

  const add = (id: string, options: Parameters<typeof commands.addCommand>[1]): void => {
    commands.addCommand(id, options);
    palette?.addItem({ command: id, category: CATEGORY });
  };
  for (const verb of ['fetch', 'pull', 'push'] as TransferVerb[]) {
    add(COMMAND[verb], {
      label: args => {
        const remote = (args as ITransferArgs).remote;
        return remote ? `${LABEL[verb]} ${remote}` : `${LABEL[verb]} Remote`;
      },
      caption: CAPTION[verb],
      isEnabled: () => model.repo !== null && model.running === null,
      execute: args => transfer(verb, args as ITransferArgs)
    });
  }
  add(CommandIDs.pushSelected, {
    label: 'Push Selection to Remote',
    caption: 'Send the selected versions (with their ancestors) to a remote',
    isEnabled: () => lineage.selection.length > 0 && model.running === null,
    execute: () => transfer('push', { selected: true })
  });
  add(CommandIDs.remotes, {
    label: 'Show Remotes',
    caption: 'Open the Remotes section of the lineage sidebar',
    execute: () => {
      shell.activateById(PANEL_ID);
      section.setExpanded(true);
      const first = section.node.querySelector<HTMLElement>('.mgit-Remote-action');
      if (first) {
        first.focus();
      } else {
        section.focusAdd();
      }
    }
  });
  model.changed.connect((_, what) => {
    if (what === 'running') {
      commands.notifyCommandChanged();
    }
  });
  return section;
}

const COMMAND: Record<TransferVerb, string> = {
  fetch: CommandIDs.fetch,
  pull: CommandIDs.pull,
  push: CommandIDs.push
};

const LABEL: Record<TransferVerb, string> = { fetch: 'Fetch', pull: 'Pull', push: 'Push' };

const CAPTION: Record<TransferVerb, string> = {
  fetch: "Receive a remote's versions (tensors and manifests); the lineage is unchanged",
  pull: "Fetch, then add the remote's new versions to the lineage",
  push: 'Send the versions the remote lacks'
};
