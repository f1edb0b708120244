// A socket.io-client 4.8 the Go tests drive. Options come as JSON in
// OPTS: {token, cookie, origin, transports, join: [ids], watchMap, sync,
// aliases}.
// Every event received is printed as one JSON line on stdout, with the
// time it arrived (ms). The process ends when stdin closes or the socket
// disconnects.
import { io } from "socket.io-client";

const opts = JSON.parse(process.env.OPTS || "{}");
const out = (event, args) => process.stdout.write(JSON.stringify({ event, args, t: Date.now() }) + "\n");

const socket = io(process.env.URL, {
  transports: opts.transports,
  auth: { ...(opts.token ? { token: opts.token } : {}), ...(opts.aliases === false ? { aliases: false } : {}) },
  extraHeaders: { ...(opts.cookie ? { Cookie: opts.cookie } : {}), ...(opts.origin ? { Origin: opts.origin } : {}) },
  reconnection: false,
  timeout: 5000,
});

socket.onAny((event, ...args) => out(event, args));
socket.on("connect", () => {
  out("connect", [socket.io.engine.transport.name]);
  for (const id of opts.join || []) {
    socket.emit("join-community", id, (ack) => out("ack:join", [ack]));
  }
  if (opts.watchMap) socket.emit("watch-map", { communityId: opts.watchMap }, (ack) => out("ack:watch-map", [ack]));
  if (opts.sync) socket.emit("sync", opts.sync, (ack) => out("ack:sync", [ack]));
});
socket.io.engine?.on?.("upgrade", (t) => out("upgrade", [t.name]));
socket.on("connect_error", (err) => {
  out("connect_error", [err.message]);
  process.exit(0);
});
socket.on("disconnect", (reason) => {
  out("disconnect", [reason]);
  process.exit(0);
});
// Commands from the test on stdin, one JSON per line: {emit, args},
// {pause: true} to stop reading the socket, {resume: true} to read again.
let buf = "";
process.stdin.on("data", (d) => {
  buf += d;
  let i;
  while ((i = buf.indexOf("\n")) >= 0) {
    const line = buf.slice(0, i);
    buf = buf.slice(i + 1);
    if (!line.trim()) continue;
    const cmd = JSON.parse(line);
    if (cmd.pause) {
      // Stop reading from the network, as a frozen browser tab would: the
      // server's writes back up in TCP.
      socket.io.engine.transport.ws._socket.pause();
      out("paused", []);
      continue;
    }
    if (cmd.resume) {
      socket.io.engine.transport.ws._socket.resume();
      out("resumed", []);
      continue;
    }
    socket.emit(cmd.emit, ...(cmd.args || []), (ack) => out("ack:" + cmd.emit, [ack]));
  }
});
process.stdin.on("end", () => {
  socket.close();
  process.exit(0);
});
