// Command validate serves the validate function (FUNCTION_TARGET=Validate) on PORT
// with the probes and /metrics beside it, as its Cloud Run service does.
package main

import (
	"github.com/rydlrcs/mixamo-blend-pipeline/functions/validate"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/service"
)

func main() {
	service.Main("validate", validate.Target, service.Needs{Uploads: true, Library: true}, validate.Service)
}
