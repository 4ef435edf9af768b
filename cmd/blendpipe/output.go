package main

import (
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/job"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/mixamo"
)

// registerOutput binds the output options (retarget and compression) to flags.
func (b *blendFlags) registerOutput(fs *flag.FlagSet) {
	fs.StringVar(&b.o.Rename, "rename", "", "name the joints for an engine: "+mixamo.ProfileNames()+" (default: keep the input's)")
	fs.Float64Var(&b.o.MaxErrorCM, "max-error-cm", 0, "reduce keyframes (FBX, glTF) within this joint position error in cm (default: key every frame)")
	fs.Float64Var(&b.o.VertexDistanceCM, "vertex-distance-cm", 0, "with --max-error-cm: also bound points this far from each joint")
}

// printWritten reports what the output options did to the file.
func printWritten(w io.Writer, r job.OutputReport) {
	if n := r.Rename; n != nil {
		line := fmt.Sprintf("joints named for %s: %d renamed", n.Profile, n.Renamed)
		if len(n.Unmapped) > 0 {
			line += fmt.Sprintf(", %d without a %s bone kept their names (%s)", len(n.Unmapped), n.Profile, strings.Join(n.Unmapped, ", "))
		}
		fmt.Fprintln(w, line)
	}
	if c := r.Compression; c != nil {
		fmt.Fprintf(w, "keyframes reduced within %g cm: %d → %d keys, %d → %d bytes (%.1f %%), max joint error %.4f cm",
			c.BoundCM, c.KeysBefore, c.KeysAfter, c.BytesBefore, c.BytesAfter, 100*float64(c.BytesAfter)/float64(max(c.BytesBefore, 1)), c.MaxErrorCM)
		if c.WorstJoint != "" {
			fmt.Fprintf(w, " (%s, frame %d)", c.WorstJoint, c.WorstFrame)
		}
		fmt.Fprintln(w)
	}
}
