// Network check for the pre-join page. For each way to the TURN relay the
// server offers (UDP, TCP, TLS on port 443), a relay-only connection
// gathers candidates: a relay candidate means that way through the
// firewall works. The outcome is said in plain words; the actual path is
// chosen by the browser when joining.

const PROBE_TIMEOUT_MS = 6000;

// checkNetwork resolves to 'good' (UDP gets through), 'tcp' (only TCP
// port 443), 'tls' (only TLS on port 443), 'blocked', or 'unknown' (the
// check itself could not run).
export async function checkNetwork(key) {
  let servers;
  try {
    const resp = await fetch('/api/netcheck', { headers: { 'X-Piiri-Key': key }, cache: 'no-store' });
    if (!resp.ok) return 'unknown';
    servers = (await resp.json()).iceServers || [];
  } catch {
    return 'unknown';
  }
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
