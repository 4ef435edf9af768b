// Command metasync serves the metasync function (FUNCTION_TARGET=Sync) on PORT through
// functions-framework-go, as a source deploy's generated main does, with the
// probes and /metrics beside it: the image deploy/Dockerfile builds.
package main

import (
	"os"

	"github.com/GoogleCloudPlatform/functions-framework-go/funcframework"

	"github.com/rydlrcs/mixamo-blend-pipeline/functions/metasync"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/app"
)

func main() {
	os.Exit(app.Exit("metasync", app.ServeFunction(metasync.Target, funcframework.Start)))
}
