// Package blend combines Mixamo animation clips: mix, transition, layer, additive and a 1D
// blendspace. It works on the anim model only (no file formats, no cloud).
//
// # API
//
//	res, err := blend.Run(blend.Options{Method: "mix", Ratio: &r}, walk, run)
//
// Run validates the options (Options.Validate), matches the inputs' joints, runs the method and
// then the common steps, and returns a Result: the output Animation (one clip on the first
// input's skeleton — the same pointer, so a same-format writer can reuse the source document),
// a JointReport, the TransitionInfo of a transition and the per-input Weights of mix and
// blendspace. Every bad option or input is a *OptionError whose Field names the option
// ("ratio", "mask", ...) or the input ("inputs[1]"); rig problems wrap *mixamo.MissingJointsError.
// Options.Canonical gives the normal form (aliases resolved, defaults filled, unused options
// cleared) for content-addressing results.
//
// # Joints, rigs and frame rates
//
// Joints are matched by mixamo.Normalize name. The output skeleton is the first input's. A joint
// another input lacks keeps the first input's value at the same phase (in a transition, A's pose
// held from the handover); joints only other inputs have are ignored; both are listed in the
// JointReport. Every input must be a Mixamo humanoid (mixamo.HumanoidJoints, which include the
// Hips root): otherwise Run refuses it naming the joints it lacks. An input from another rig is
// retargeted onto the output's: its local rotations are used as they are (Mixamo rigs share
// joint orientations), its other translations become the output's bone offsets plus its own
// motion away from its rest pose, and its Hips motion is scaled by the ratio of the rigs' Hips
// heights at rest (the Pirate's 36 cm against the X Bot's 98). Inputs are sampled directly at
// the output rate, Options.FPS or else the first input's, so clips of different rates combine.
// Root motion is read from the Hips' translation in world space (through the skeleton's Base),
// so "horizontal" is the world XZ plane and "vertical" world Y.
//
// # Methods
//
// mix (alias linear), two clips, ratio (weight of the second, default 0.5): both play over
// normalised time (phase 0..1 over each clip); the output lasts lerp(durA, durB, ratio). Local
// rotations slerp on the shorter arc; other translations and scales lerp. Hips height is
// interpolated; horizontal root motion is blended as velocity: each input's displacement over
// the same phase step (its own velocity scaled by its play rate durI/durOut), weighted and
// integrated from the weighted start (A's start when ratio is 0, B's when it is 1). An in-place
// clip thus contributes no travel, and the travel per cycle equals the weighted stride the
// blended legs cover. sync "feet" detects foot plants (quality.FootContacts) and time-warps B
// piecewise-linearly so each plant lands on A's matching plant, like engines' sync markers; when
// B loops, the warp wraps around its seam (B may start part-way into its cycle).
//
// transition (alias single-shot), two clips, transition_frames N (default 10), curve linear,
// smoothstep (3t²−2t³, default) or ease-in-out (cosine, (1−cos πt)/2): A plays, then over N
// frames hands over to B, then the rest of B plays. Fade weights are curve((i+1)/(N+1)), so the
// frames before the fade are exactly A and those after exactly B (re-anchored). Unless
// transition_at (seconds into A) is given, the handover is the pair of frames with the smallest
// pose-and-velocity distance between A's last half (at most its last 2 s, leaving N frames) and
// B's first half (at most 1 s): joint positions relative to the Hips with the facing removed,
// their per-frame velocities and the Hips' velocity, velocities weighted by (N/2)², reported as
// RMS cm in TransitionInfo.MatchDistance. B's root is re-anchored to A's position and facing at the
// handover (a yaw about Y): facing is measured from each clip's first frame, since Mixamo clips
// start facing the same way, by the Hips' yaw averaged over about a second (the pelvis twists
// with each step; a strafe keeps it turned). In the fade the Hips' horizontal motion is blended
// as velocity, so the root never jumps.
//
// layer, two clips, mask and mask_weight (default 1): over A's duration, B's local rotations are
// slerped into A by mask_weight on the masked joints; translations (root motion included) and
// scales stay A's. B is phase-aligned to A (stretched or squeezed so both start and end
// together, as in mix), not looped. The mask is one preset of mixamo.BodyPartNames (upper_body,
// lower_body, left_arm, right_arm, head, spine; see mixamo.BodyPart) or explicit joint names,
// each masking the joint and all its descendants.
//
// additive, two clips, weight (default 1) and reference_frame (default 0, a frame of B): B's
// motion relative to its reference pose is added onto A in local space, as ozz-animation and
// Unreal Engine do: delta = ref⁻¹·b and result = a·slerp(I, delta, weight); translations add
// weight·(b − ref) and scales multiply by lerp(1, b/ref, weight). Adding onto the reference pose
// itself with weight 1 gives B. B is phase-aligned to A's duration as in layer.
//
// blendspace, two or more clips, positions (one per clip, strictly increasing) and value: the
// two clips around value share the weight linearly (clamped to the end clips), and the clips
// blend like mix, generalised to N inputs by successive slerps with running weights (the
// duration is the weighted mean).
//
// # Common steps
//
// After the method: in_place removes the Hips' horizontal travel but keeps their sway within a
// step (it subtracts a centred moving average about a second wide, which narrows at the ends);
// loop cross-fades the last transition_frames frames (at most half the clip) into the first pose
// with the chosen curve, blending the Hips' horizontal motion as velocity towards the opening
// step so a travelling clip keeps travelling across the seam (position, for in-place clips).
//
// # Clip edits
//
// Method edit takes one clip and applies only what follows. After any method, in this order:
// trim (trim_start/trim_end in seconds, or trim_start_frame/trim_end_frame, both ends kept),
// speed (keys retimed: speed 2 covers the same motion in half the time on the same frame grid),
// reverse, mirror (see mirror: world poses reflected across the plane x = Hips' first x, each
// joint taking its Left/Right partner's motion), in_place, loop_find (the clip cut at FindLoop's
// points) and loop, foot locking, and root_motion last: "root" inserts RootBone above the Hips
// carrying their smoothed ground travel and yaw (ExtractRoot), "hips" leaves no root bone, and
// "" keeps the first input's convention. Inputs with a root bone are baked (BakeRoot) before
// the method, so every operator sees Mixamo's form. Result.Label names the blend for people
// (Label) and its clip is that label spelled by SafeName.
//
// # Retarget
//
// Method retarget takes a clip and a character (any file of it: only its rest skeleton is
// used) and carries the clip's motion onto the character, proportion-aware, keeping planted
// feet planted unless foot_lock is false (package retarget), then applies the edits above.
// It changes the skeleton, so Run refuses it and job.Blend runs it; the blend is filed under
// the character's rig.
package blend
