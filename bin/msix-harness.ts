#!/usr/bin/env node
/** The msix-harness command: the CLI with this project's suites. */
import { runCli } from '../harness/cli/main.js';
import { suites } from '../suites/index.js';

process.exitCode = await runCli(process.argv, suites);
