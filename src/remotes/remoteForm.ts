/**
 * The Remotes section's add form: name, URL, and an S3 endpoint field shown for `s3://`
 * URLs. Its one error (from `RemotesModel.formError`) is shown under the form, and the field
 * it is about is marked invalid and focused.
 */
import { RemotesModel } from './remotesModel';
import { isObjectStorage } from './remoteText';

type Field = 'name' | 'url' | 'endpoint';

export class RemoteForm {
  readonly node: HTMLFormElement;

  /**
   * @param idPrefix unique prefix of the element ids (labels and descriptions point at them)
   * @param onAdded called after a remote was added (e.g. to move the focus to it)
   */
  constructor(
    private _model: RemotesModel,
    idPrefix: string,
    private _onAdded: () => void
  ) {
    const form = document.createElement('form');
    form.className = 'mgit-Remotes-add';
    form.setAttribute('aria-label', 'Add a remote');
    form.noValidate = true;
    const errorId = `${idPrefix}-error`;
    const field = (key: Field, label: string, placeholder: string): HTMLInputElement => {
      const wrap = document.createElement('div');
      wrap.className = `mgit-Remotes-field mgit-Remotes-field-${key}`;
      const l = document.createElement('label');
      l.textContent = label;
      const input = document.createElement('input');
      input.className = 'jp-mod-styled mgit-Remotes-input';
      input.id = `${idPrefix}-${key}`;
      input.name = key;
      input.placeholder = placeholder;
      input.autocomplete = 'off';
      input.spellcheck = false;
      input.setAttribute('aria-describedby', errorId);
      l.htmlFor = input.id;
      wrap.append(l, input);
      form.append(wrap);
      return input;
    };
    this._inputs = {
      name: field('name', 'Name', 'origin'),
      url: field('url', 'URL', 'folder (from the Jupyter root) or s3://bucket/prefix'),
      endpoint: field('endpoint', 'S3 endpoint', 'http://127.0.0.1:9000 (optional)')
    };
    this._endpointWrap = this._inputs.endpoint.parentElement as HTMLElement;
    this._endpointWrap.hidden = true;
    this._inputs.url.addEventListener('input', () => {
      this._endpointWrap.hidden = !isObjectStorage(this._inputs.url.value);
    });
    this._button = document.createElement('button');
    this._button.className = 'jp-Button jp-mod-styled jp-mod-accept mgit-Remotes-addButton';
    this._button.textContent = 'Add remote';
    this._button.type = 'submit';
    this._error = document.createElement('p');
    this._error.className = 'mgit-Remotes-formError';
    this._error.id = errorId;
    this._error.setAttribute('role', 'alert');
    this._error.hidden = true;
    form.append(this._button, this._error);
    form.addEventListener('submit', event => {
      event.preventDefault();
      void this._submit();
    });
    this.node = form;
  }

  /** Put the focus in the name field. */
  focus(): void {
    this._inputs.name.focus();
  }

  setEnabled(enabled: boolean): void {
    this._enabled = enabled;
    this._button.disabled = !enabled;
  }

  /** Show the model's form error (or none) on the form and its field. */
  renderError(): void {
    const { text, field } = this._model.formError;
    this._error.textContent = text;
    this._error.hidden = !text;
    for (const key of Object.keys(this._inputs) as Field[]) {
      this._inputs[key].setAttribute('aria-invalid', String(Boolean(text) && key === field));
    }
    if (text && field) {
      this._inputs[field].focus();
    }
  }

  private async _submit(): Promise<void> {
    this._button.disabled = true;
    const { name, url, endpoint } = this._inputs;
    try {
      const added = await this._model.add(
        name.value,
        url.value,
        this._endpointWrap.hidden ? '' : endpoint.value
      );
      if (added) {
        name.value = '';
        url.value = '';
        endpoint.value = '';
        this._endpointWrap.hidden = true;
        this._onAdded();
      }
    } finally {
      this._button.disabled = !this._enabled;
    }
  }

  private _inputs: Record<Field, HTMLInputElement>;
  private _endpointWrap: HTMLElement;
  private _button: HTMLButtonElement;
  private _error: HTMLParagraphElement;
  private _enabled = true;
}
