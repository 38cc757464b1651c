export { EMPTY_MESSAGE, LineagePanel } from './lineagePanel';
