export { CONTEXT_COMMANDS, EMPTY_MESSAGE, LineagePanel } from './lineagePanel';
export { LineageModel } from './lineageModel';
