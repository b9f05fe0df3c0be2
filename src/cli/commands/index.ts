import type { Command } from '../command.js';
import { serve } from './serve.js';
import { migrate } from './migrate.js';
import { token } from './token.js';
import { openapi } from './openapi.js';
import { dedupeScan } from './dedupe-scan.js';

/** Every subcommand, in the order `contact-registry --help` lists them. */
export const COMMANDS: readonly Command[] = [serve, migrate, token, openapi, dedupeScan];
