package local

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/animfile"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/library"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
)

// FilesPath serves the library's seeds and blends (and their pictures)
// read-only: the local stand-in for signed URLs.
const FilesPath = "/files/"

// FileURL is the URL path at which the server serves a library object.
func FileURL(name string) string {
	segs := strings.Split(name, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return FilesPath + strings.Join(segs, "/")
}

// converted is the one format ?format= offers: GLB, which browsers' glTF
// loaders read.
const converted = animfile.GLB

// files answers GET /files/{name}. With ?format=glb an animation in
// another format is converted on the fly, so a browser can play any seed or
// blend with a glTF loader.
func (s *Server) files(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	fail := func(status int, format string, args ...any) {
		writeJSON(w, status, map[string]string{"error": fmt.Sprintf(format, args...), "field": "name"})
	}
	if err := storage.ValidateName(name); err != nil {
		fail(http.StatusBadRequest, "%v", err)
		return
	}
	if !library.IsSeed(name) && !library.IsBlend(name) {
		fail(http.StatusNotFound, "%s is not under %s or %s", name, library.SeedPrefix, library.BlendPrefix)
		return
	}
	format := r.URL.Query().Get("format")
	if format != "" && format != converted.Name() {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": fmt.Sprintf("format %q: only %s", format, converted), "field": "format"})
		return
	}
	ctx := r.Context()
	a, err := s.p.Library.Stat(ctx, name, nil)
	if err == nil && s.p.MaxFileSize > 0 && a.Size > s.p.MaxFileSize {
		fail(http.StatusRequestEntityTooLarge, "%s is %d bytes, over the limit of %d", name, a.Size, s.p.MaxFileSize)
		return
	}
	var data []byte
	if err == nil {
		data, a, err = storage.ReadAll(ctx, s.p.Library, name, &storage.ReadOptions{Generation: a.Generation})
	}
	switch {
	case errors.Is(err, storage.ErrNotFound):
		fail(http.StatusNotFound, "%s does not exist", name)
		return
	case err != nil:
		s.log.WarnContext(ctx, "file not served", "object", name, "error", err)
		w.Header().Set("Retry-After", "5")
		fail(http.StatusServiceUnavailable, "library unavailable")
		return
	}
	ctype := a.ContentType
	if strings.HasSuffix(name, ".png") {
		ctype = "image/png"
	}
	etag := strconv.FormatInt(a.Generation, 10)
	if stored, _ := animfile.ByExtension(path.Ext(name)); format != "" && stored != converted {
		if !library.IsCatalogued(name) {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": name + " is not an animation", "field": "format"})
			return
		}
		an, err := animfile.Decode(path.Base(name), data)
		if err != nil {
			writeJSON(w, http.StatusUnprocessableEntity, map[string]string{"error": "unreadable: " + err.Error(), "field": "name"})
			return
		}
		var buf bytes.Buffer
		if err := converted.Encode(&buf, an); err != nil {
			writeJSON(w, http.StatusUnprocessableEntity, map[string]string{"error": "as " + converted.Name() + ": " + err.Error(), "field": "format"})
			return
		}
		data, ctype, etag = buf.Bytes(), converted.ContentType(), etag+"-"+converted.Name()
	}
	h := w.Header()
	h.Set("Content-Type", ctype)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("ETag", `"`+etag+`"`)
	h.Set("Cache-Control", "no-cache")
	http.ServeContent(w, r, "", a.Updated, bytes.NewReader(data))
}
