// The viewer page: the catalogue with previews, two players, and the new-blend form.
import { findBlend, glbURL, listBlends, listSeeds, postBlend, resolve } from './api.js';
import { Player } from './player.js';

const $ = (sel) => document.querySelector(sel);
const statusEl = $('#status');
const players = { seed: null, blend: null };
let all = { seeds: [], blends: [] };

function say(msg, error = false) {
  statusEl.textContent = msg;
  statusEl.classList.toggle('error', error);
}

function describe(e) {
  const parts = [e.rig];
  if (e.frames) parts.push(`${e.frames} frames`);
  if (e.duration_s) parts.push(`${e.duration_s.toFixed(2)} s`);
  if (e.method) parts.push(e.method);
  return parts.filter(Boolean).join(' · ');
}

function card(e, side, fresh) {
  const li = document.createElement('li');
  li.className = fresh ? 'card new' : 'card';
  li.dataset.name = e.name;
  const title = e.clip || e.name;
  if (e.preview_url) {
    const img = document.createElement('img');
    img.src = resolve(e.preview_url);
    img.alt = `Contact sheet of ${title}: the skeleton at evenly spaced frames, side and front, and the root's path`;
    img.loading = 'lazy';
    // A new object's pictures are drawn just after it is catalogued: try again for a while.
    img.addEventListener('error', () => {
      const tries = Number(img.dataset.tries || 0);
      if (tries < 40) {
        img.dataset.tries = String(tries + 1);
        setTimeout(() => { img.src = resolve(e.preview_url); }, 500);
      }
    });
    img.width = 560;
    img.height = 180;
    // The picture opens full size: the card shows it too small to read its labels.
    const a = document.createElement('a');
    a.href = img.src;
    a.target = '_blank';
    a.rel = 'noopener';
    a.setAttribute('aria-label', `Open the contact sheet of ${title} full size`);
    a.append(img);
    li.append(a);
  }
  const t = document.createElement('span');
  t.className = 'title';
  t.textContent = title;
  const m = document.createElement('span');
  m.className = 'meta';
  m.textContent = `${describe(e)} · ${e.name}`;
  const b = document.createElement('button');
  b.type = 'button';
  b.className = 'secondary';
  b.textContent = side === 'seed' ? 'Play as seed' : 'Play as blend';
  b.setAttribute('aria-label', `Play ${title} in the ${side} player`);
  b.addEventListener('click', () => play(side, e));
  li.append(t, m);
  if (e.metrics_url) {
    const q = document.createElement('a');
    q.href = resolve(e.metrics_url);
    q.target = '_blank';
    q.rel = 'noopener';
    q.className = 'meta';
    q.textContent = `Quality over time of ${title} (plot)`;
    li.append(q);
  }
  li.append(b);
  return li;
}

async function play(side, e) {
  const url = glbURL(e);
  if (!url) {
    say(`${e.name} cannot play here: only GLB objects play from signed URLs; blend with format glb.`, true);
    return;
  }
  say(`Loading ${e.name}…`);
  players[side].figure.scrollIntoView({ block: 'nearest' });
  try {
    await players[side].load(url, e.clip ? `${e.clip} (${e.name})` : e.name);
    say(`Playing ${e.name} in the ${side} player.`);
  } catch (err) {
    say(`Could not play ${e.name}: ${err.message}`, true);
  }
}

function fillSelect(sel, entries, keep) {
  const prev = keep ? sel.value : '';
  sel.replaceChildren(...entries.map((e) => new Option(`${e.clip || e.name} (${e.kind})`, e.name)));
  if (entries.some((e) => e.name === prev)) sel.value = prev;
}

function render(fresh) {
  const f = new FormData($('#filters'));
  const rig = f.get('rig');
  const method = f.get('method');
  const seeds = all.seeds.filter((e) => !rig || e.rig === rig);
  const blends = all.blends.filter((e) => (!rig || e.rig === rig) && (!method || e.method === method));
  const list = (el, entries, side) => {
    el.replaceChildren(...entries.map((e) => card(e, side, e.name === fresh)));
    if (!entries.length) {
      const li = document.createElement('li');
      li.className = 'empty';
      li.textContent = side === 'seed' ? 'No seeds match. Drop Mixamo files into the uploads folder.' : 'No blends match.';
      el.append(li);
    }
  };
  list($('#seeds'), seeds, 'seed');
  list($('#blends'), blends, 'blend');
  const rigSel = $('#filters select[name="rig"]');
  const rigs = [...new Set([...all.seeds, ...all.blends].map((e) => e.rig).filter(Boolean))].sort();
  const had = rigSel.value;
  rigSel.replaceChildren(new Option('all rigs', ''), ...rigs.map((r) => new Option(r, r)));
  rigSel.value = rigs.includes(had) ? had : '';
  const inputs = [...all.seeds, ...all.blends];
  fillSelect($('#blend-form select[name="a"]'), inputs, true);
  fillSelect($('#blend-form select[name="b"]'), inputs, true);
  const b = $('#blend-form select[name="b"]');
  if (!b.dataset.touched && inputs.length > 1 && b.value === $('#blend-form select[name="a"]').value) {
    b.value = inputs[1].name;
  }
  return { seeds, blends };
}

async function refresh(fresh) {
  const [seeds, blends] = await Promise.all([listSeeds(), listBlends()]);
  all = { seeds, blends };
  return render(fresh);
}

function showMethodFields() {
  const method = $('#blend-form select[name="method"]').value;
  for (const el of document.querySelectorAll('#blend-form [data-for]')) el.hidden = el.dataset.for !== method;
}

async function submitBlend(ev) {
  ev.preventDefault();
  const form = ev.currentTarget;
  const f = new FormData(form);
  const body = { a: f.get('a'), b: f.get('b'), method: f.get('method'), format: 'glb' };
  if (body.method === 'mix') body.ratio = Number(f.get('ratio'));
  if (body.method === 'transition') body.transition_frames = Number(f.get('transition_frames'));
  if (body.method === 'layer') body.weight = Number(f.get('weight'));
  const button = form.querySelector('button[type="submit"]');
  button.disabled = true;
  say(`Blending ${body.a} and ${body.b} (${body.method})…`);
  try {
    const res = await postBlend(body);
    say(`${res.cached ? 'Found' : 'Made'} ${res.output}; waiting for the catalogue…`);
    // The catalogue row comes from the metadata sync, a moment after the write.
    let row = null;
    for (let i = 0; i < 120 && !row; i++) {
      row = await findBlend(res.output, body.a);
      if (!row) await new Promise((r) => setTimeout(r, 250));
    }
    if (!row) throw new Error(`${res.output} was written but is not in the catalogue yet; reload later`);
    await refresh(row.name);
    await play('blend', row);
    say(`${row.name} is ready and playing in the blend player.`);
  } catch (err) {
    say(`Blend failed: ${err.message}`, true);
  } finally {
    button.disabled = false;
  }
}

function loop() {
  for (const p of Object.values(players)) p?.tick();
  requestAnimationFrame(loop);
}

async function main() {
  players.seed = new Player($('#player-seed'));
  players.blend = new Player($('#player-blend'));
  requestAnimationFrame(loop);
  $('#filters').addEventListener('change', () => render());
  $('#blend-form select[name="method"]').addEventListener('change', showMethodFields);
  $('#blend-form select[name="b"]').addEventListener('change', (e) => { e.target.dataset.touched = '1'; });
  $('#blend-form').addEventListener('submit', submitBlend);
  showMethodFields();
  try {
    const { seeds, blends } = await refresh();
    say(`${seeds.length} seeds and ${blends.length} blends in the catalogue.`);
    if (seeds[0]) await play('seed', seeds[0]);
    if (blends[0]) await play('blend', blends[0]);
  } catch (err) {
    say(`Could not load the catalogue: ${err.message}`, true);
  }
}

main();
