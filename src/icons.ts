import { LabIcon } from '@jupyterlab/ui-components';

/** A three-node DAG: the lineage sidebar's tab icon. */
const lineageSvg = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
  <g class="jp-icon3" fill="#616161">
    <circle cx="12" cy="4" r="2.6"/>
    <circle cx="5" cy="19" r="2.6"/>
    <circle cx="19" cy="19" r="2.6"/>
    <path d="M11 6.2 5.9 16.5l1.3.7L12 7.6l4.8 9.6 1.3-.7L13 6.2z"/>
  </g>
</svg>`;

export const lineageIcon = new LabIcon({ name: 'mgit-lab:lineage', svgstr: lineageSvg });
