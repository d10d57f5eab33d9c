#!/usr/bin/env node
import { runAgentCli } from './cli';

runAgentCli(process.argv.slice(2));
