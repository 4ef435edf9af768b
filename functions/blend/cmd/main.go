// Command blend serves the blend function (FUNCTION_TARGET=Blend) with
// functions-framework-go on PORT, as its Cloud Run service does.
package main

import (
	"github.com/rydlrcs/mixamo-blend-pipeline/functions/blend"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/service"
)

func main() {
	service.Main("blend", blend.Target, service.Needs{Library: true, Catalog: true}, blend.Register)
}
