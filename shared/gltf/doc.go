// Package gltf reads and writes glTF 2.0 animation files (GLB, or JSON with embedded buffers)
// to and from the shared animation model.
//
// Units: glTF is in metres and the model in centimetres, so every translation (joint rest,
// animation and Skeleton.Base) is multiplied by 100 on reading and divided by 100 on writing.
// Nothing else is rescaled: Blender exports keep Mixamo's centimetre bone lengths under an
// "Armature" node of scale 0.01, so such a skeleton reads with Base.S = 0.01 and joint
// translations 100 times their centimetre values, and world positions come out in cm.
//
// Skeleton: the joints of the first skin, plus any node lying between a joint and its nearest
// joint ancestor; when the roots have different parents, the nodes up to their lowest common
// ancestor join too. A file without a skin yields the node tree under the lowest common
// ancestor of the nodes its animations move, leaving out nodes that carry a mesh, camera or
// skin. Joints keep the skin's order where it already puts parents first. Skeleton.Base is
// the world transform of the node above the root joints.
//
// Clips: one per glTF animation that moves at least one joint, in file order. Channels are
// sampled on a uniform grid from the animation's first key to its last (Clip.Start is the
// first key time, which Blender puts at 1/fps). The rate is the most common key interval,
// snapped to a standard rate (24, 25, 30, 60, ...) when within 0.5%. Joints without a channel
// hold their rest transform.
package gltf
