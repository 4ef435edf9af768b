// Package viewer serves the blend viewer: a static page that lists the
// catalogue with previews and plays a seed and a blend side by side in
// three.js. Its bundle is built from src/ by build.mjs (esbuild) and
// committed in dist/, so the Go build needs no Node; the judges check that a
// rebuild gives the same bytes. dist/ also deploys as static files beside
// any server that answers the blend API.
package viewer

import (
	"embed"
	"io/fs"
	"net/http"
)

//go:embed dist
var dist embed.FS

// Files is the built page: index.html, viewer.js and viewer.css.
func Files() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err) // dist is embedded at build time; its absence cannot happen at run time
	}
	return sub
}

// Handler serves Files, with the headers a page of the local server needs.
func Handler() http.Handler {
	files := http.FileServerFS(Files())
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Cache-Control", "no-cache")
		// Everything the page loads is its own: no CDN, no inline script.
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data: blob: https://storage.googleapis.com; connect-src 'self' blob: https://storage.googleapis.com; style-src 'self'; script-src 'self'")
		files.ServeHTTP(w, r)
	})
}
