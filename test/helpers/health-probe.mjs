// A separate process that probes `<url>/health` every 10 ms until told to stop, then reports the slowest probe (ms).
// Separate so the probes are not delayed by the test process itself (busy sending a 4 MiB body).
const url = process.argv[2];
let slowest = 0;
let stop = false;
process.on('message', () => (stop = true));
process.send('ready');
while (!stop) {
  const started = performance.now();
  await fetch(`${url}/health`);
  slowest = Math.max(slowest, performance.now() - started);
  await new Promise((resolve) => setTimeout(resolve, 10));
}
process.send(slowest, () => process.exit(0));
