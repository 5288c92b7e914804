/**
 * One CPU burner of `npm run test:stress` (scripts/stress.ts): keeps a core busy until it is killed, and ends by
 * itself once the script that started it is gone or after the lifetime it is given, so none outlives a killed run.
 * Plain JavaScript, so that starting one costs no compiler.
 *
 *   node scripts/stress-burner.mjs <lifetime ms>
 */
const parent = process.ppid;
const end = Date.now() + Number(process.argv[2]);
// The clock and the parent are read once per million turns: often enough to stop promptly, rarely enough to burn.
while (Date.now() < end && process.ppid === parent) {
  for (let i = 0; i < 1e6; i++) {
    // spin
  }
}
