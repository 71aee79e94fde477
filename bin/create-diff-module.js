#!/usr/bin/env node
// The CLI runs from one bundled file (npm run build): loading dist/'s ~150 modules one by one
// costs Node ~0.2 s per command, the bundle ~0.06 s. tree-sitter stays a native package.
import { main } from '../dist/bundle/create-diff-module.js';

// A reader that goes away (`| head`) is not an error of ours.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

process.exitCode = await main(process.argv.slice(2));
