// Live data over the Socket.IO gateway (docs/realtime.md) with the pinned
// socket.io-client. The browser's session cookie signs the socket in: the
// handshake is same-origin, so no token is ever handed to the client.
import { io, type Socket } from 'socket.io-client';

export interface LiveAnnouncement {
  _id: string;
  communityId: string;
  title?: string;
  message: string;
  priority: string;
  authorId?: string;
  timestamp: string;
}

export interface Live {
  close(): void;
}

let socket: Socket | null = null;
let users = 0;

function connect(): Socket {
  if (!socket) {
    // aliases: false — each event once, under its first name (docs/realtime.md, Names).
    socket = io({ path: '/socket.io/', withCredentials: true, auth: { aliases: false } });
  }
  users++;
  return socket;
}

function release(): void {
  users--;
  if (users <= 0 && socket) {
    socket.disconnect();
    socket = null;
    users = 0;
  }
}

/**
 * joinCommunity joins a community's room and calls the handlers with what
 * arrives; onResync is called after a reconnection and when the server says
 * events were dropped (sync:required), to read the list again.
 */
export function joinCommunity(
  communityId: string,
  h: {
    onAnnouncement?: (a: LiveAnnouncement) => void;
    onResync?: () => void;
    onState?: (state: 'live' | 'offline' | 'refused', message?: string) => void;
  },
): Live {
  const s = connect();
  let joined = false;
  const join = () => {
    s.emit('join-community', communityId, (ack: { ok: boolean; message?: string }) => {
      h.onState?.(ack?.ok ? 'live' : 'refused', ack?.message);
    });
    // A reconnection may have missed events: read the list again.
    if (joined) h.onResync?.();
    joined = true;
  };
  const onAnnouncement = (a: LiveAnnouncement) => {
    if (a.communityId === communityId) h.onAnnouncement?.(a);
  };
  const onSync = () => h.onResync?.();
  const onLeft = (e: { communityId: string; message?: string }) => {
    if (e.communityId === communityId && e.message) h.onState?.('refused', e.message);
  };
  const onDown = () => h.onState?.('offline');
  s.on('connect', join);
  s.on('disconnect', onDown);
  s.on('announcement', onAnnouncement);
  s.on('sync:required', onSync);
  s.on('left-community', onLeft);
  if (s.connected) join();
  return {
    close() {
      s.off('connect', join);
      s.off('disconnect', onDown);
      s.off('announcement', onAnnouncement);
      s.off('sync:required', onSync);
      s.off('left-community', onLeft);
      if (s.connected) s.emit('leave-community', communityId);
      release();
    },
  };
}
