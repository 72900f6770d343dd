/** kaudit server package: the `kaudit` CLI, callable in process. */
export { main, USAGE } from './cli-main.js';
export { type CommandIO, processIO } from './commands/io.js';
