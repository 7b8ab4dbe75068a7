/**
 * Entry point of the binary (bin/tcpflow-analyze.js imports this file). All logic is in run.ts so
 * tests can drive it in-process; this file only wires the real process in and sets the exit code
 * (never process.exit(): stdout may still be flushing).
 */
import { isatty } from 'node:tty';
import { setFlagsFromString } from 'node:v8';
import { prewarmFor } from '../threads/prewarm.js';

// V8 lets the old generation grow to up to 4x what survived the last full GC before the next one.
// On the 1 GB benchmark capture that limit is ~170 MB after the second full GC, and whether a third
// one starts before the end decided peak RSS: 217-221 MiB, or 276-336 MiB in about one run in four.
// At 2.5x there are more, smaller collections: 195-208 MiB in 6 runs of 6, for ~4 % more CPU and
// ~1 % more wall time (docs/benchmarks.md, "Memory"). This flag is read at every GC, so setting it
// now, before the heap has grown, takes effect; it is this process's (the CLI's), not the library's.
setFlagsFromString('--heap-growing-percent=150');

// The analysis worker boots while this thread loads the CLI's modules (threads/prewarm.ts).
prewarmFor(process.argv.slice(2));
const { runCli } = await import('./run.js');
const { openThreadedStdout, writesSettled } = await import('./stdout-pipe.js');
const { EXIT_FATAL, EXIT_INTERRUPTED, isFatalOutputError } = await import('./options.js');

// A pipe on stdout is written from a thread of its own (stdout-pipe.ts); anything else, or a pipe
// that thread cannot have, is process.stdout.
const piped = openThreadedStdout();
const stdout = piped ?? process.stdout;
// A write that fails after runCli returned (the report's last bytes, `> /dev/full`, a full disk)
// still makes the exit code 2: run.ts says so on stderr, here it decides the code.
let outputFailed = false;
stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (isFatalOutputError(err)) outputFailed = true;
});
let code: number;
/** The signal whose interruption the run took (run.ts Interruption), if any. */
let interruptedBy: 'SIGINT' | 'SIGTERM' | null = null;
try {
  code = await runCli({
    argv: process.argv.slice(2),
    env: process.env,
    stdout,
    stderr: process.stderr,
    // isatty(0) rather than process.stdin.isTTY: touching process.stdin would open a second reader on fd 0.
    stdinIsTTY: isatty(0),
    // The first SIGINT / SIGTERM while reading stops the reading and the run reports what it read
    // (run.ts Interruption). It stops listening then and once reading is over: a signal after that
    // has its default action and ends the process at once. One that comes as reading ends, before
    // the listeners are gone, ends it here, with the code a shell gives a process that signal killed.
    onInterrupt: (handler) => {
      const on = (sig: 'SIGINT' | 'SIGTERM'): void => {
        if (!handler(sig)) process.exit(EXIT_INTERRUPTED[sig]);
        interruptedBy = sig;
      };
      process.on('SIGINT', on);
      process.on('SIGTERM', on);
      return () => {
        process.off('SIGINT', on);
        process.off('SIGTERM', on);
      };
    },
  });
} finally {
  // Everything handed to the writer thread is in the pipe before the process ends (the thread
  // keeps the process alive until then, and end() lets it go); process.stdout's last write's
  // outcome is awaited too, so a late failure still sets the exit code.
  await (piped !== null ? piped.end() : writesSettled(process.stdout));
}
process.exitCode = outputFailed ? EXIT_FATAL : code;
// An interrupted run has said everything, but a read it let go of may still hold the process: a
// named FIFO given as a path is read on libuv's thread pool, in a blocking read that a quiet writer
// never ends, and the process waits for it at exit, process.exit() too (helper-78 review: the
// report, then a hang). If the process has not ended a second later, the signal's default action
// ends it (the listeners are gone by now), which a shell reports as 130 or 143; then also when the
// run's code was 2 (an input or the output failed as well: helper-79 review), said on stderr.
if (interruptedBy !== null) {
  const sig = interruptedBy;
  setTimeout(() => process.kill(process.pid, sig), 1000).unref();
}
