// Loads GLB files with three.js's GLTFLoader in plain node and prints, as one JSON array, what it
// found in each: every named node, its animations (duration, track count, driven nodes) and, for
// each requested time, the nodes' world positions in centimetres (glTF is Y up, metres).
// Usage: node gltf_three.mjs FILE.glb...  or  node gltf_three.mjs JOBS.json
import { GLTFLoader } from 'three/addons/loaders/GLTFLoader.js';
import { arrayBuffer, describeClips, main, sample } from './pose.mjs';

function load(path) {
  return new Promise((resolve, reject) => new GLTFLoader().parse(arrayBuffer(path), '', resolve, reject));
}

await main(async (job) => {
  const gltf = await load(job.path);
  const root = gltf.scene;
  const nodes = [];
  root.traverse((o) => { if (o !== root && o.name) nodes.push(o); });
  return {
    path: job.path,
    nodes: nodes.map((o) => o.name),
    animations: describeClips(gltf.animations),
    times: job.times || [],
    positions: sample(root, gltf.animations[0], nodes, job.times || [], 100),
  };
});
