// Command validate serves the validate function (FUNCTION_TARGET=Validate) on PORT through
// functions-framework-go, as a source deploy's generated main does, with the
// probes and /metrics beside it: the image deploy/Dockerfile builds.
package main

import (
	"os"

	"github.com/GoogleCloudPlatform/functions-framework-go/funcframework"

	"github.com/rydlrcs/mixamo-blend-pipeline/functions/validate"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/app"
)

func main() {
	os.Exit(app.Exit("validate", app.ServeFunction(validate.Target, funcframework.Start)))
}
