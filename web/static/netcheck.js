// Network check for the pre-join page, in two steps. First the server is
// asked for TURN servers to test (GET /api/netcheck, with the link's room
// key), which also tells whether the link's key is right before the
// person presses Join. Then, for each way to the TURN relay the server
// offers (UDP, TCP, TLS on port 443), a relay-only connection gathers
// candidates: a relay candidate means that way through the firewall
// works. The outcome is said in plain words; the actual path is chosen by
// the browser when joining.

const PROBE_TIMEOUT_MS = 6000;
const KEY_HEADER = 'X-Piiri-Key';

// askServer resolves to {status: 'ok', servers}, or {status} with
// 'unauthorized' (the server refused the room key or the link: HTTP 403),
// 'rate_limited' (too many attempts from this address: HTTP 429, with
// retryAfterMs) or 'unknown' (the check could not run).
export async function askServer({ key, token }) {
  // A personal link is checked as the API checks it; a room link by its
  // key.
  const headers = token ? { Authorization: `Bearer ${token}` } : { [KEY_HEADER]: key };
  let resp;
  try {
    resp = await fetch('/api/netcheck', { headers, cache: 'no-store' });
  } catch {
    return { status: 'unknown' };
  }
  if (resp.status === 403) return { status: 'unauthorized' };
  if (resp.status === 429) return { status: 'rate_limited', retryAfterMs: retryAfterMs(resp.headers.get('Retry-After')) };
  if (!resp.ok) return { status: 'unknown' };
  try {
    return { status: 'ok', servers: (await resp.json()).iceServers || [] };
  } catch {
    return { status: 'unknown' };
  }
}

// retryAfterMs reads a Retry-After header given in seconds: 30 s when
// there is none, at least a second and at most five minutes.
function retryAfterMs(header) {
  const s = Number.parseInt(header, 10);
  return Math.min(Math.max(Number.isFinite(s) ? s : 30, 1), 300) * 1000;
}

// probeServers resolves to 'good' (UDP gets through), 'tcp' (only TCP
// port 443), 'tls' (only TLS on port 443), 'blocked', or 'unknown' (there
// was nothing to test).
export async function probeServers(servers) {
  const works = { udp: false, tcp: false, tls: false };
  const probes = [];
  for (const s of servers) {
    for (const url of [].concat(s.urls)) {
      const way = url.startsWith('turns:') ? 'tls' : url.includes('transport=tcp') ? 'tcp' : 'udp';
      probes.push(probe(url, s.username, s.credential).then((ok) => { works[way] = works[way] || ok; }));
    }
  }
  if (probes.length === 0) return 'unknown';
  await Promise.all(probes);
  window.piiri.netcheck = works; // for the tests and the console
  if (works.udp) return 'good';
  if (works.tcp) return 'tcp';
  if (works.tls) return 'tls';
  return 'blocked';
}

function probe(url, username, credential) {
  return new Promise((resolve) => {
    let pc;
    try {
      pc = new RTCPeerConnection({ iceServers: [{ urls: url, username, credential }], iceTransportPolicy: 'relay' });
    } catch {
      resolve(false);
      return;
    }
    const done = (ok) => {
      clearTimeout(timer);
      pc.close();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), PROBE_TIMEOUT_MS);
    pc.onicecandidate = (e) => {
      if (e.candidate && e.candidate.type === 'relay') done(true);
      else if (!e.candidate) done(false);
    };
    pc.createDataChannel('probe');
    pc.createOffer().then((o) => pc.setLocalDescription(o)).catch(() => done(false));
  });
}
