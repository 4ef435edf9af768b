// Package library is the contract of the library bucket: how its objects
// are named and what their metadata says. The services write it, the
// metadata sync and the catalog read it back, and tools list it, so each
// rule is stated once here and nowhere else.
//
// # Object layout
//
// The library bucket holds
//
//	seed/<rig>/<clip>.<ext>             validated uploads, bytes as uploaded
//	blend/<rig>/<method>-<hash12>.<ext> blends, named by content address
//	seed|blend/<...>.<ext>.preview.png  contact sheet of the seed or blend
//	blend/<...>.<ext>.metrics.png       a blend's quality metrics over time
//	jobs/<name>.yaml|json               batch manifests
//	jobs/<name>.result.json             a manifest's outcome (never a manifest)
//	jobs/<name>.shards/<i>.json         shard i of a sharded manifest
//	jobs/<name>.shards/<i>.result.json  shard i's summary
//	jobs/<name>.shards/run.json         the claim on the run of the shards
//	rejected/<upload>                   uploads that failed validation
//	rejected/<upload>.error.json        why, as a typed reason
//
// <rig> is the rig name of mixamo.Describe (the bone prefix, such as
// "mixamorig", or the character node) followed by its rig signature (joint
// count and a hash of the normalised joint names), e.g.
// "mixamorig-65-97646937": Mixamo gives most characters the same prefix, and
// the signature keeps characters with different skeletons apart. <clip> is
// the upload's file name as a slug, since Mixamo names every clip
// "mixamo.com".
package library

import (
	"cmp"
	"path"
	"regexp"
	"strconv"
	"strings"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/animfile"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
)

// Prefixes of the library bucket.
const (
	SeedPrefix     = "seed/"
	BlendPrefix    = "blend/"
	JobsPrefix     = "jobs/"
	RejectedPrefix = "rejected/"
)

// Suffixes of the objects written beside others.
const (
	// ResultSuffix ends a batch's result file, which is never a manifest.
	ResultSuffix = ".result.json"
	// ErrorSuffix ends a rejection's reason file.
	ErrorSuffix = ".error.json"
	// ShardsSuffix ends the folder of a sharded manifest's parts. Nothing
	// in it is a manifest.
	ShardsSuffix = ".shards/"
	// PreviewSuffix and MetricsSuffix end the pictures of seeds and blends.
	// Neither is an animation format, so IsCatalogued leaves them out.
	PreviewSuffix = ".preview.png" // contact sheet of the skeleton
	MetricsSuffix = ".metrics.png" // quality metrics over time (blends)
)

var nonSlug = regexp.MustCompile(`[^a-z0-9]+`)

// Slug lower-cases s and keeps letters and digits, joined by single dashes,
// at most 80 bytes: safe as one segment of an object name and a file name.
func Slug(s string) string {
	s = strings.Trim(nonSlug.ReplaceAllString(strings.ToLower(s), "-"), "-")
	if len(s) > 80 {
		s = strings.TrimRight(s[:80], "-")
	}
	return s
}

// RigFolder is the <rig> segment of seed and blend names: the rig name and
// its signature.
func RigFolder(rig, signature string) string {
	r := cmp.Or(Slug(rig), "rig")
	if sig := Slug(signature); sig != "" {
		r += "-" + sig
	}
	return r
}

// SeedFolder holds the seeds of one rig.
func SeedFolder(rig string) string { return SeedPrefix + rig + "/" }

// SeedNames are the names a seed of content sha256 may take, in the order
// they are tried: the clip's own, then one marked with the content's hash
// for when the clip's name already holds other content.
func SeedNames(rig, clip, sha256, ext string) [2]string {
	return [2]string{
		SeedFolder(rig) + clip + "." + ext,
		SeedFolder(rig) + clip + "-" + sha256[:8] + "." + ext,
	}
}

// BlendName is the content-addressed name of a blend: its rig's folder, the
// method and the first 12 digits of the blend key.
func BlendName(rig, method, key, format string) string {
	return BlendPrefix + rig + "/" + method + "-" + key[:12] + "." + format
}

// IsSeed reports whether name is under seed/.
func IsSeed(name string) bool { return strings.HasPrefix(name, SeedPrefix) }

// IsBlend reports whether name is under blend/.
func IsBlend(name string) bool { return strings.HasPrefix(name, BlendPrefix) }

// IsCatalogued reports whether name is an animation the catalog keeps: a
// seed or a blend in one of the animation formats. Previews, reason files
// and anything else under those prefixes are not.
func IsCatalogued(name string) bool {
	if !IsSeed(name) && !IsBlend(name) {
		return false
	}
	_, err := animfile.ByExtension(path.Ext(name))
	return err == nil
}

// IsOwn reports whether name is under one of the prefixes the pipeline
// writes: where the uploads and the library share a bucket, such objects
// are not uploads.
func IsOwn(name string) bool {
	for _, prefix := range []string{SeedPrefix, BlendPrefix, JobsPrefix, RejectedPrefix} {
		if strings.HasPrefix(name, prefix) {
			return true
		}
	}
	return false
}

// PreviewName is the contact sheet's object name for a seed or a blend:
// seed/<rig>/<clip>.fbx has seed/<rig>/<clip>.fbx.preview.png. The
// extension stays: walking.fbx and walking.glb may be two seeds.
func PreviewName(object string) string { return object + PreviewSuffix }

// MetricsName is the metric plot's object name for a blend.
func MetricsName(object string) string { return object + MetricsSuffix }

// RejectedName is where a rejected upload is recorded; its reason is at
// ErrorName of it. An upload name the bucket accepts but the pipeline's
// rules refuse (empty segments, backslashes) is filed under a slug of it
// and its generation.
func RejectedName(upload string, generation int64) string {
	name := RejectedPrefix + upload
	if storage.ValidateName(ErrorName(name)) != nil {
		name = RejectedPrefix + cmp.Or(Slug(upload), "upload") + "-" + strconv.FormatInt(generation, 10)
	}
	return name
}

// ErrorName is the reason file of the rejected object name.
func ErrorName(rejected string) string { return rejected + ErrorSuffix }

// IsManifest reports whether name is a batch manifest: jobs/<name>.yaml,
// .yml or .json, but not a result file or a shard, which the batch itself
// writes under jobs/ and must not start another batch.
func IsManifest(name string) bool {
	if !strings.HasPrefix(name, JobsPrefix) || strings.HasSuffix(name, ResultSuffix) || strings.Contains(name, ShardsSuffix) {
		return false
	}
	base := path.Base(name)
	ext := path.Ext(base)
	return (ext == ".yaml" || ext == ".yml" || ext == ".json") && len(base) > len(ext)
}

// ResultName is the result file of manifest.
func ResultName(manifest string) string {
	return trimExt(manifest) + ResultSuffix
}

// ShardsPrefix is the folder of manifest's shards.
func ShardsPrefix(manifest string) string {
	return trimExt(manifest) + ShardsSuffix
}

// ShardName is the object holding shard i of manifest.
func ShardName(manifest string, i int) string {
	return ShardsPrefix(manifest) + strconv.Itoa(i) + ".json"
}

// ShardResultName is the object holding the summary of shard i of manifest.
func ShardResultName(manifest string, i int) string {
	return ShardsPrefix(manifest) + strconv.Itoa(i) + ResultSuffix
}

// RunClaimName is the object through which one delivery of a manifest's
// event claims the starting of its shards' run, so that a redelivered event
// starts no second one.
func RunClaimName(manifest string) string {
	return ShardsPrefix(manifest) + "run.json"
}

// trimExt drops a manifest's extension, which IsManifest guarantees.
func trimExt(manifest string) string {
	return manifest[:strings.LastIndexByte(manifest, '.')]
}
