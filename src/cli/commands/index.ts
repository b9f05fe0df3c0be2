import type { Command } from '../command.js';
import { serve } from './serve.js';
import { migrate } from './migrate.js';
import { token } from './token.js';
import { openapi } from './openapi.js';
import { dedupeScan } from './dedupe-scan.js';
import { verify } from './verify.js';
import { worker } from './worker.js';
import { importFile } from './import.js';
import { merge } from './merge.js';

/** Every subcommand, in the order `contact-registry --help` lists them. */
export const COMMANDS: readonly Command[] = [serve, worker, migrate, token, openapi, dedupeScan, verify, importFile, merge];
