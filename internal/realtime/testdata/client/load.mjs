// Many socket.io-client sockets in one process, for the load figures of
// docs/performance.md. OPTS: {n, first, token, join, watchMap, events:
// [names], aliases}; first numbers the sockets of this process.
// Prints "ready <n>" when every socket joined, then one line per event of
// interest: "<event> <socket> <key> <ms>", where key is the incident
// number (calls) or the batch's size (map), and ms the arrival time.
import { io } from "socket.io-client";

const o = JSON.parse(process.env.OPTS || "{}");
const watch = new Set(o.events || ["call:new"]);
let joined = 0;
const sockets = [];
// Lines are gathered and written together: a write to a pipe is
// synchronous in Node, and one per event would put the tool's own system
// calls between the arrivals it measures. Arrival times are taken first.
let out = [];
const flush = () => {
  if (out.length) process.stdout.write(out.join(""));
  out = [];
};
setInterval(flush, 20).unref();
for (let i = 0; i < o.n; i++) {
  const s = io(process.env.URL, { transports: ["websocket"], auth: o.aliases === false ? { token: o.token, aliases: false } : { token: o.token }, reconnection: false, forceNew: true });
  s.on("connect", () => {
    s.emit("join-community", o.join, () => {
      const done = () => {
        joined++;
        if (joined === o.n) console.log("ready " + o.n);
      };
      if (o.watchMap) s.emit("watch-map", o.watchMap, done);
      else done();
    });
  });
  s.onAny((event, payload) => {
    if (!watch.has(event)) return;
    const key = event === "map:positions" ? (payload.positions || []).length : payload.incidentNumber;
    out.push(`${event} ${(o.first || 0) + i} ${key} ${Date.now()}\n`);
  });
  s.on("connect_error", (e) => console.log("connect_error " + e.message));
  sockets.push(s);
}
process.stdin.resume();
process.stdin.on("end", () => {
  for (const s of sockets) s.close();
  flush();
  process.exit(0);
});
