#!/usr/bin/env node
import { main } from '../dist/cli/bin.js';
main();
