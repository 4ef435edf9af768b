"""Writes Blender's world joint positions for FBX files, the reference our FBX reader is tested
against (shared/fbx/blender_test.go).

Run headless (make blender-refs does this for the reference set):
    blender -b --factory-startup --python-exit-code 1 --python ref_positions.py -- OUTDIR FILE.fbx...

For each FILE it writes OUTDIR/<FILE base name>.json: Blender's version, the scene fps Blender set
from the file, the imported action's frame range, every bone's name, and each bone's world head
at the first frame, a quarter, a half and the last frame, in centimetres, Y up (see
check_import.py for the conversion), rounded to 1e-4 cm. Frame f is FBX time f/fps.
"""
import hashlib
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import bpy  # noqa: E402
import check_import  # noqa: E402


def fmt_num(x):
    v = round(x, 4)
    if v == 0:
        v = 0.0  # no "-0.0" in the files
    return repr(v)


def write_ref(path, res, out_path):
    with open(path, "rb") as f:
        sha = hashlib.sha256(f.read()).hexdigest()
    head = {
        "source": os.path.basename(path),
        "sha256": sha,
        "blender": bpy.app.version_string,
        "fps": res["fps"],
        "frame_start": res["frame_start"],
        "frame_end": res["frame_end"],
        "frames": res["frames"],
        "bones": res["bones"],
    }
    # One line per frame keeps the files small and their diffs readable.
    lines = []
    for pos in res["positions"]:
        lines.append("[" + ",".join("[%s,%s,%s]" % tuple(fmt_num(c) for c in p) for p in pos) + "]")
    text = json.dumps(head, separators=(",", ":"))[:-1]
    text += ',\n"positions":[\n' + ",\n".join(lines) + "\n]}\n"
    with open(out_path, "w") as f:
        f.write(text)


def main():
    argv = sys.argv[sys.argv.index("--") + 1:] if "--" in sys.argv else []
    if len(argv) < 2:
        raise SystemExit("usage: blender -b --python ref_positions.py -- OUTDIR FILE.fbx...")
    out_dir, files = argv[0], argv[1:]
    os.makedirs(out_dir, exist_ok=True)
    for path in files:
        res = check_import.inspect({"path": path, "format": "fbx", "frames": "quarters"})
        name = os.path.splitext(os.path.basename(path))[0] + ".json"
        write_ref(path, res, os.path.join(out_dir, name))
        print("wrote %s: %d bones, frames %s" % (name, len(res["bones"]), res["frames"]))


main()
