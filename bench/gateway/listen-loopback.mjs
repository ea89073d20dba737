/**
 * Preloaded (`node --import`) into a server the bench did not write — Portkey's gateway, whose start script takes
 * only `--port=N` and listens on every interface. The first server that listens is bound to 127.0.0.1 instead, and
 * once it listens this prints {"listening": url} on stdout, the line the bench waits for (so `--port=0` works: the
 * script itself would print port 0).
 */
import net from 'node:net';

const listen = net.Server.prototype.listen;
let bound = false;
net.Server.prototype.listen = function (...args) {
  if (bound || typeof args[0] !== 'number') return listen.apply(this, args);
  bound = true;
  const callback = args.find((argument) => typeof argument === 'function');
  this.once('listening', () => {
    const { port } = this.address();
    process.stdout.write(`\n${JSON.stringify({ listening: `http://127.0.0.1:${port}` })}\n`);
  });
  return callback ? listen.call(this, args[0], '127.0.0.1', callback) : listen.call(this, args[0], '127.0.0.1');
};
