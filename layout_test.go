package blendpipe

import (
	"go/parser"
	"go/token"
	"os"
	"slices"
	"strings"
	"testing"
)

// TestSourceDeployLayout checks what Cloud Run's Go buildpack requires of a
// source deploy (GoogleCloudPlatform/buildpacks,
// cmd/go/functions_framework): the directory uploaded is the module, its
// root holds the function's package ("Your function must be in a Go package
// at the root of your project", cloud.google.com/functions/docs/writing),
// every .go file there parses as that one package, tests and build tags
// included, and it is not package main; go.mod requires
// functions-framework-go, so the buildpack injects no other version, and the
// module path has a dot in its first element, which the buildpack refuses
// otherwise.
func TestSourceDeployLayout(t *testing.T) {
	t.Parallel()
	pkgs, err := parser.ParseDir(token.NewFileSet(), ".", nil, parser.ImportsOnly)
	if err != nil {
		t.Fatal(err)
	}
	if len(pkgs) != 1 {
		names := make([]string, 0, len(pkgs))
		for name := range pkgs {
			names = append(names, name)
		}
		t.Fatalf("the module root holds packages %v, want one", names)
	}
	for name, pkg := range pkgs {
		if name == "main" {
			t.Errorf("the module root is package main")
		}
		var imports []string
		for _, f := range pkg.Files {
			for _, im := range f.Imports {
				imports = append(imports, strings.Trim(im.Path.Value, `"`))
			}
		}
		for _, fn := range []string{"blend", "metasync", "preview", "validate"} {
			if p := "github.com/rydlrcs/mixamo-blend-pipeline/functions/" + fn; !slices.Contains(imports, p) {
				t.Errorf("the module root does not import %s, so no source deploy registers it", p)
			}
		}
	}

	data, err := os.ReadFile("go.mod")
	if err != nil {
		t.Fatal(err)
	}
	var module string
	framework := false
	for line := range strings.Lines(string(data)) {
		f := strings.Fields(line)
		switch {
		case len(f) == 2 && f[0] == "module":
			module = f[1]
		case slices.Contains(f, "github.com/GoogleCloudPlatform/functions-framework-go") && !strings.Contains(line, "// indirect"):
			framework = true
		}
	}
	if first, _, _ := strings.Cut(module, "/"); !strings.Contains(first, ".") {
		t.Errorf("module path %q: the buildpack wants a dot in its first element", module)
	}
	if !framework {
		t.Error("go.mod does not require github.com/GoogleCloudPlatform/functions-framework-go directly")
	}
}
