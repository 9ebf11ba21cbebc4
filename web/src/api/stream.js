// The live stream of case changes (GET /api/v1/stream, Server-Sent Events),
// read with fetch rather than EventSource so that an API token
// (Authorization: Bearer) works as well as the session cookie. It
// reconnects by itself after a dropped connection, sending the last event's
// id as Last-Event-ID so the server replays what was missed.
import { getToken } from './client.js';

// openStream calls on[event](data, id) for each event ('hello', 'ticket',
// 'reset') and onState('live' | 'lost') when the connection comes and
// goes. It returns a function that closes the stream.
export function openStream(on, onState = () => {}) {
  const ctrl = new AbortController();
  let lastID = '';
  let retry = 2000;
  let closed = false;

  async function run() {
    while (!closed) {
      try {
        const headers = { Accept: 'text/event-stream' };
        const token = getToken();
        if (token) headers.Authorization = `Bearer ${token}`;
        if (lastID) headers['Last-Event-ID'] = lastID;
        const res = await fetch('/api/v1/stream', { headers, signal: ctrl.signal, credentials: 'same-origin', cache: 'no-store' });
        if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
        onState('live');
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buf = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buf += value;
          let end;
          while ((end = buf.indexOf('\n\n')) >= 0) {
            const block = buf.slice(0, end);
            buf = buf.slice(end + 2);
            let event = 'message', data = '', id = null;
            for (const line of block.split('\n')) {
              if (line.startsWith(':')) continue; // heartbeat
              const i = line.indexOf(':');
              const field = i < 0 ? line : line.slice(0, i);
              const val = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
              if (field === 'event') event = val;
              else if (field === 'data') data += (data ? '\n' : '') + val;
              else if (field === 'id') id = val;
              else if (field === 'retry' && /^\d+$/.test(val)) retry = Number(val);
            }
            if (id !== null) lastID = id;
            if (data && on[event]) on[event](JSON.parse(data), id);
          }
        }
      } catch (err) {
        if (closed || err.name === 'AbortError') return;
      }
      onState('lost');
      await new Promise((r) => setTimeout(r, retry));
    }
  }
  run();
  return () => { closed = true; ctrl.abort(); };
}
