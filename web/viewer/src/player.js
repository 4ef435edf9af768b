// A player shows one GLB's skeleton, animated, in a three.js scene.
import {
  AnimationMixer, Box3, Color, GridHelper, PerspectiveCamera, Scene, SkeletonHelper, Vector3,
  Timer, WebGLRenderer,
} from 'three';
import { GLTFLoader } from 'three/examples/jsm/loaders/GLTFLoader.js';

const loader = new GLTFLoader();

export class Player {
  // figure is the player's <figure>: a .stage to draw in, a .name, a .time and a .toggle button.
  constructor(figure) {
    this.figure = figure;
    this.stage = figure.querySelector('.stage');
    this.nameEl = figure.querySelector('.name');
    this.timeEl = figure.querySelector('.time');
    this.toggle = figure.querySelector('.toggle');
    this.renderer = new WebGLRenderer({ antialias: true });
    this.renderer.setPixelRatio(Math.min(window.devicePixelRatio, 2));
    this.stage.append(this.renderer.domElement);
    this.scene = new Scene();
    this.scene.background = new Color(0xeef1f4);
    this.camera = new PerspectiveCamera(40, 4 / 3, 1, 10000);
    this.timer = new Timer();
    this.timer.connect(document); // no jump after the tab was hidden
    this.playing = true;
    this.toggle.addEventListener('click', () => this.setPlaying(!this.playing));
    new ResizeObserver(() => this.resize()).observe(this.stage);
    this.resize();
  }

  resize() {
    const w = this.stage.clientWidth || 400;
    const h = this.stage.clientHeight || 300;
    this.renderer.setSize(w, h, false);
    this.camera.aspect = w / h;
    this.camera.updateProjectionMatrix();
  }

  setPlaying(on) {
    this.playing = on;
    this.toggle.textContent = on ? 'Pause' : 'Play';
    this.toggle.setAttribute('aria-pressed', String(!on));
  }

  // load fetches and shows a GLB; label names it in the caption.
  async load(url, label) {
    const gltf = await loader.loadAsync(url);
    const root = gltf.scene;
    const clip = gltf.animations[0];
    if (!clip) throw new Error(`${label} has no animation`);
    this.scene.clear();
    this.scene.add(root);
    const helper = new SkeletonHelper(root);
    helper.material.linewidth = 2;
    this.scene.add(helper);
    this.mixer = new AnimationMixer(root);
    this.action = this.mixer.clipAction(clip).play();
    this.clip = clip;
    this.frame(root);
    this.nameEl.textContent = label;
    this.stage.setAttribute('aria-label', `Skeleton of ${label}, ${clip.duration.toFixed(2)} s, looping`);
    this.figure.dataset.loaded = label;
    this.toggle.disabled = false;
    this.setPlaying(true);
    this.timer.update();
  }

  // frame points the camera at the skeleton in its first pose, from the front and a little
  // above, and lays a floor under it sized to the rig (Mixamo rigs come in cm or m).
  frame(root) {
    this.mixer.setTime(0);
    root.updateMatrixWorld(true);
    const box = new Box3();
    const p = new Vector3();
    this.hips = null;
    root.traverse((o) => {
      if (!o.isBone) return;
      this.hips ??= o; // the first bone in tree order is the skeleton's root
      box.expandByPoint(o.getWorldPosition(p));
    });
    if (box.isEmpty()) box.setFromObject(root);
    const size = box.getSize(new Vector3());
    const centre = box.getCenter(new Vector3());
    const h = Math.max(size.y, size.x, size.z, 1e-3);
    const grid = new GridHelper(h * 4, 16, 0x999999, 0xcccccc);
    grid.position.y = box.min.y;
    this.scene.add(grid);
    const dist = h * 2.2;
    this.camera.near = h / 100;
    this.camera.far = h * 100;
    this.camera.position.set(centre.x + dist * 0.45, centre.y + h * 0.25, centre.z + dist);
    this.camera.lookAt(centre);
    this.camera.updateProjectionMatrix();
    // The camera follows the root across the floor, so a clip with root motion stays in view.
    this.centre = centre;
    this.offset = this.camera.position.clone().sub(centre);
    this.hips0 = this.hips ? this.hips.getWorldPosition(new Vector3()) : null;
  }

  follow() {
    if (!this.hips) return;
    const p = this.hips.getWorldPosition(new Vector3());
    const target = this.centre.clone();
    target.x += p.x - this.hips0.x;
    target.z += p.z - this.hips0.z;
    this.camera.position.copy(target).add(this.offset);
    this.camera.lookAt(target);
  }

  // tick advances the animation and draws.
  tick() {
    this.timer.update();
    const dt = this.timer.getDelta();
    if (this.mixer && this.playing) {
      this.mixer.update(dt);
      this.follow();
    }
    if (this.action) this.timeEl.textContent = `${this.action.time.toFixed(2)} s / ${this.clip.duration.toFixed(2)} s`;
    this.renderer.render(this.scene, this.camera);
  }
}
