// The blend API, relative to the page: <meta name="blendpipe-api"> says where it answers.

const base = new URL(document.querySelector('meta[name="blendpipe-api"]')?.content || '../', location.href);

async function call(path, init) {
  const res = await fetch(new URL(path, base), init);
  const body = await res.json().catch(() => ({}));
  if (!res.ok) {
    const field = body.field ? `${body.field}: ` : '';
    throw new Error(`${field}${body.error || res.statusText} (HTTP ${res.status})`);
  }
  return body;
}

function query(filter) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(filter)) if (v) q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}

export const listSeeds = async (filter = {}) => (await call(`seeds${query(filter)}`)).seeds;
export const listBlends = async (filter = {}) => (await call(`blends${query(filter)}`)).blends;

// findBlend answers the catalog row of a blend made from source, or null while it is not
// catalogued yet. (A listing, unlike GET /blends/{name}, is no error while the row is missing.)
export async function findBlend(name, source) {
  const rows = await listBlends({ source });
  return rows.find((r) => r.name === name) || null;
}

export const postBlend = (body) => call('blend', {
  method: 'POST',
  headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify(body),
});

// resolve makes a URL from an entry's url or preview_url, which may be relative to the server.
export const resolve = (u) => new URL(u, base).href;

// glbURL is where a player gets an entry as GLB: the object itself when it is one, else the
// local server's conversion (?format=glb). A signed URL cannot take the parameter, so an object
// that is not GLB behind one cannot play (null).
export function glbURL(entry) {
  if (!entry.url) return null;
  const u = new URL(entry.url, base);
  if (entry.name.endsWith('.glb')) return u.href;
  if (u.searchParams.has('X-Goog-Signature')) return null;
  u.searchParams.set('format', 'glb');
  return u.href;
}
