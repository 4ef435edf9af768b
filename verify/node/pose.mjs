// Shared by the three.js judges: reads the job list from the command line and samples world
// positions of named objects at given times through three's own animation system.
import { readFileSync } from 'node:fs';
import { AnimationMixer, LoopOnce, Vector3 } from 'three';

// Jobs come as a JSON file ([{"path", "times": [seconds]}]) or as plain file paths.
export function jobs(argv) {
  if (argv.length === 1 && argv[0].endsWith('.json')) return JSON.parse(readFileSync(argv[0], 'utf8'));
  return argv.map((path) => ({ path, times: [] }));
}

export function arrayBuffer(path) {
  const buf = readFileSync(path);
  return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
}

export function describeClips(clips) {
  return (clips || []).map((a) => ({
    name: a.name,
    duration: a.duration,
    tracks: a.tracks.length,
    // Track names are "<node>.<property>": the nodes the clip drives.
    targets: [...new Set(a.tracks.map((t) => t.name.slice(0, t.name.lastIndexOf('.'))))],
  }));
}

// World positions of objects at each time, playing the first clip once (no wrap at the end).
// Names are three's sanitised node names; scale converts the scene's unit to centimetres.
export function sample(root, clip, objects, times, scale) {
  const out = [];
  if (!clip) return out;
  const mixer = new AnimationMixer(root);
  const action = mixer.clipAction(clip);
  action.setLoop(LoopOnce, 1);
  action.clampWhenFinished = true;
  action.play();
  const v = new Vector3();
  for (const t of times) {
    mixer.setTime(t);
    root.updateMatrixWorld(true);
    out.push(objects.map((o) => {
      o.getWorldPosition(v);
      return [v.x * scale, v.y * scale, v.z * scale];
    }));
  }
  return out;
}

// Runs inspect on every job and prints one JSON array; console output of the loaders is kept
// out of stdout and returned per file as "log".
export async function main(inspect) {
  const log = [];
  for (const k of ['log', 'info', 'warn', 'error']) console[k] = (...a) => log.push(a.join(' '));
  const out = [];
  for (const job of jobs(process.argv.slice(2))) {
    let r;
    try {
      r = await inspect(job);
    } catch (e) {
      r = { path: job.path, error: String(e && e.stack ? e.stack : e) };
    }
    r.log = log.splice(0);
    out.push(r);
  }
  process.stdout.write(JSON.stringify(out) + '\n');
}
