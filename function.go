// Package blendpipe is the package a source deploy builds. Cloud Run's Go
// buildpack takes the function from the package at the root of the uploaded
// module and generates a main that imports it and calls funcframework.Start,
// which serves the function FUNCTION_TARGET (gcloud's --function) names.
// Importing the four functions registers them, each in its init, so
//
//	gcloud run deploy blendpipe-dev-validate --source . --function Validate ...
//
// deploys the validate service, and likewise Blend, Sync and Preview
// (docs/operations.md). Only the target's adapters are opened; the binary
// links all four's, where each image of deploy/Dockerfile links its own.
//
// Every Go file in this directory, tests included, must stay in this one
// package: the buildpack parses them all, build tags ignored, and refuses a
// directory holding two packages.
package blendpipe

import (
	_ "github.com/rydlrcs/mixamo-blend-pipeline/functions/blend"
	_ "github.com/rydlrcs/mixamo-blend-pipeline/functions/metasync"
	_ "github.com/rydlrcs/mixamo-blend-pipeline/functions/preview"
	_ "github.com/rydlrcs/mixamo-blend-pipeline/functions/validate"
)
