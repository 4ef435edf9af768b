//go:build judges

// Package verify judges the files the pipeline writes with independent readers: Blender's FBX,
// glTF and BVH importers, assimp, three.js's FBXLoader and GLTFLoader, the Autodesk FBX SDK
// (through FBX2glTF) and the Khronos glTF validator. Each judge must load the file, see our
// joints, our frame rate and length, and (where it evaluates animation) put every joint where
// our forward kinematics does.
//
// Everything here builds only with the "judges" tag (make verify), so the default build and
// unit tests need none of the tools. Other judges-tagged tests reuse the helpers: build an
// Expect from the animation that was written (ExpectOf), write files (Write, WriteAll), and
// run the judges (Judge, or CheckFBX, CheckGLB and CheckBVH for one file).
package verify
