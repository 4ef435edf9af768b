"""Imports animation files into Blender and reports what Blender sees, as JSON.

Run headless:
    blender -b --factory-startup --python-exit-code 1 --python check_import.py -- JOBS.json OUT.json

JOBS.json is a list of {"path", "format": "fbx"|"glb"|"bvh", "frames": [number], "fps": number,
"bvh_scale": number}. "frames" may also be "quarters": the first frame, a quarter, a half and the
last frame of the imported action. "fps" sets the scene rate before a glTF import (glTF stores seconds, and
Blender turns them into frames at the scene rate); FBX and BVH imports set the rate from the file.
"bvh_scale" is the importer's global_scale, metres per BVH unit.

OUT.json is a list, one entry per job, with the scene fps, the action's frame range, every bone's
name and its world head position at each requested frame, converted to the pipeline's frame:
right-handed, Y up, centimetres. Blender's importers turn a Y-up file into Blender's Z-up metres
by (x, y, z) -> (x, -z, y), so the inverse is 100 * (x_b, z_b, -y_b). A job that fails reports
"error" instead and the batch goes on.
"""
import json
import math
import sys
import traceback

import bpy


def to_pipeline(v):
    """Blender world (Z up, metres) -> pipeline world (Y up, centimetres)."""
    return [100.0 * v.x, 100.0 * v.z, -100.0 * v.y]


def reset_scene():
    bpy.ops.wm.read_factory_settings(use_empty=True)


def patch_bvh_open():
    """Blender 3.x's BVH importer opens files with mode 'rU', which Python 3.11 removed (Debian's
    Blender runs on the system Python). Give that module an open() that drops the 'U'."""
    from io_anim_bvh import import_bvh
    if getattr(import_bvh, "open", None) is None:
        import builtins

        def open_without_u(file, mode="r", *args, **kwargs):
            return builtins.open(file, mode.replace("U", ""), *args, **kwargs)

        import_bvh.open = open_without_u


def import_file(job):
    path, fmt = job["path"], job["format"]
    scene = bpy.context.scene
    if fmt == "fbx":
        # anim_offset=0 keeps FBX time t at frame t*fps; the default shifts every key by one frame.
        bpy.ops.import_scene.fbx(filepath=path, anim_offset=0.0, use_manual_orientation=False)
    elif fmt in ("glb", "gltf"):
        if job.get("fps"):
            scene.render.fps = int(round(job["fps"]))
            scene.render.fps_base = scene.render.fps / float(job["fps"])
        bpy.ops.import_scene.gltf(filepath=path)
    elif fmt == "bvh":
        patch_bvh_open()
        # No fps scaling: BVH frame i lands on Blender frame 1+i (the importer's earliest start).
        bpy.ops.import_anim.bvh(filepath=path, global_scale=float(job.get("bvh_scale", 1.0)),
                                frame_start=1, use_fps_scale=False, update_scene_fps=True,
                                update_scene_duration=True)
    else:
        raise ValueError("unknown format %r" % fmt)


def action_range(arms):
    """Frame range of the armature's active action: the file's first clip when it holds several
    (the importers stash the others as NLA tracks). Falls back to every action's union."""
    for arm in arms:
        ad = arm.animation_data
        if ad and ad.action:
            return tuple(ad.action.frame_range)
    lo, hi = None, None
    for act in bpy.data.actions:
        a, b = act.frame_range
        lo = a if lo is None else min(lo, a)
        hi = b if hi is None else max(hi, b)
    return (lo, hi) if lo is not None else None


def inspect(job):
    reset_scene()
    import_file(job)
    scene = bpy.context.scene
    arms = [o for o in scene.objects if o.type == "ARMATURE"]
    out = {
        "path": job["path"],
        "fps": scene.render.fps / scene.render.fps_base,
        "scene_frame_start": scene.frame_start,
        "scene_frame_end": scene.frame_end,
        "armatures": [a.name for a in arms],
        "actions": [a.name for a in bpy.data.actions],
    }
    rng = action_range(arms)
    if rng:
        out["frame_start"], out["frame_end"] = rng
    # Bones of every armature; a file without skin may come in as empties (glTF joints that no
    # skin lists), which are reported the same way so the caller can match names.
    points = []
    for arm in arms:
        for pb in arm.pose.bones:
            points.append((pb.name, lambda arm=arm, pb=pb: arm.matrix_world @ pb.head))
    out["kind"] = "bones"
    if not arms:
        out["kind"] = "empties"
        for o in scene.objects:
            if o.type == "EMPTY":
                points.append((o.name, lambda o=o: o.matrix_world.translation.copy()))
    out["bones"] = [n for n, _ in points]
    frames = job.get("frames", [])
    if frames == "quarters":
        if not rng:
            raise ValueError("no animation imported")
        first, last = int(round(rng[0])), int(round(rng[1]))
        span = last - first
        frames = sorted({first, first + span // 4, first + span // 2, last})
    out["frames"] = list(frames)
    out["positions"] = []
    for f in out["frames"]:
        # Frames may be fractional when a clip starts between frames.
        whole = math.floor(f + 1e-6)
        scene.frame_set(int(whole), subframe=max(0.0, f - whole))
        out["positions"].append([to_pipeline(get()) for _, get in points])
    return out


def run(jobs):
    results = []
    for job in jobs:
        try:
            results.append(inspect(job))
        except Exception as exc:  # one bad file must not hide the others' results
            results.append({"path": job.get("path"), "error": "%s: %s" % (type(exc).__name__, exc),
                            "trace": traceback.format_exc()})
    return results


def main():
    argv = sys.argv[sys.argv.index("--") + 1:] if "--" in sys.argv else []
    if len(argv) != 2:
        raise SystemExit("usage: blender -b --python check_import.py -- JOBS.json OUT.json")
    with open(argv[0]) as f:
        jobs = json.load(f)
    results = run(jobs)
    with open(argv[1], "w") as f:
        json.dump(results, f)


if __name__ == "__main__":
    main()
