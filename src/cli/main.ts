/**
 * Entry point of the binary (bin/tcpflow-analyze.js imports this file). All logic is in run.ts so
 * tests can drive it in-process; this file only wires the real process in and sets the exit code
 * (never process.exit(): stdout may still be flushing).
 */
import { isatty } from 'node:tty';
import { prewarmFor } from '../threads/prewarm.js';

// The analysis worker boots while this thread loads the CLI's modules (threads/prewarm.ts).
prewarmFor(process.argv.slice(2));
const { runCli } = await import('./run.js');

process.exitCode = await runCli({
  argv: process.argv.slice(2),
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
  // isatty(0) rather than process.stdin.isTTY: touching process.stdin would open a second reader on fd 0.
  stdinIsTTY: isatty(0),
});
