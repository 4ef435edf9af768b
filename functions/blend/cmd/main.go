// Command blend serves the blend function (FUNCTION_TARGET=Blend) on PORT through
// functions-framework-go, as a source deploy's generated main does, with the
// probes and /metrics beside it: the image deploy/Dockerfile builds.
package main

import (
	"os"

	"github.com/GoogleCloudPlatform/functions-framework-go/funcframework"

	"github.com/rydlrcs/mixamo-blend-pipeline/functions/blend"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/app"
)

func main() {
	os.Exit(app.Exit("blend", app.ServeFunction(blend.Target, funcframework.Start)))
}
