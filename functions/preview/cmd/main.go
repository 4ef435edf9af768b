// Command preview serves the preview function (FUNCTION_TARGET=Preview) on PORT through
// functions-framework-go, as a source deploy's generated main does, with the
// probes and /metrics beside it: the image deploy/Dockerfile builds.
package main

import (
	"os"

	"github.com/GoogleCloudPlatform/functions-framework-go/funcframework"

	"github.com/rydlrcs/mixamo-blend-pipeline/functions/preview"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/app"
)

func main() {
	os.Exit(app.Exit("preview", app.ServeFunction(preview.Target, funcframework.Start)))
}
