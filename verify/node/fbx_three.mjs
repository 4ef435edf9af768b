// Parses FBX files with three.js's FBXLoader in plain node and prints, as one JSON array, what it
// found in each: its Bone objects' names, its animations (duration, track count, driven nodes)
// and, for each requested time, the bones' world positions in centimetres.
// Usage: node fbx_three.mjs FILE.fbx...  or  node fbx_three.mjs JOBS.json
// (JOBS: [{"path", "times": [seconds]}]; a file that fails to parse reports "error").
import { FBXLoader } from 'three/addons/loaders/FBXLoader.js';
import { arrayBuffer, describeClips, main, sample } from './pose.mjs';

await main(async (job) => {
  const root = new FBXLoader().parse(arrayBuffer(job.path), '');
  const bones = [];
  root.traverse((o) => { if (o.isBone) bones.push(o); });
  return {
    path: job.path,
    bones: bones.map((b) => b.name),
    animations: describeClips(root.animations),
    times: job.times || [],
    // FBXLoader keeps the file's units and axes: a Y-up centimetre file comes out as it is.
    positions: sample(root, root.animations[0], bones, job.times || [], 1),
  };
});
