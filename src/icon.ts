import { LabIcon } from '@jupyterlab/ui-components';

const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
  <g class="jp-icon3" fill="#616161">
    <circle cx="6" cy="5" r="2"/><circle cx="12" cy="5" r="2"/><circle cx="18" cy="5" r="2"/>
    <circle cx="9" cy="11" r="2"/><circle cx="15" cy="11" r="2"/>
    <circle cx="12" cy="17" r="2.5"/>
    <rect x="3" y="21" width="18" height="2" rx="1"/>
  </g>
</svg>`;

export const pachincoIcon = new LabIcon({
  name: 'jupyter-pachinco:pachinco',
  svgstr: svg
});
