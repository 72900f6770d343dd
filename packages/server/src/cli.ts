#!/usr/bin/env node
import { processIO } from './commands/io.js';
import { main } from './cli-main.js';

process.exitCode = await main(process.argv.slice(2), processIO());
