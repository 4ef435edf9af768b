package retarget

import (
	"fmt"
	"sort"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/mixamo"
)

// RenameReport says what Rename did with each joint.
type RenameReport struct {
	Profile  mixamo.Profile `json:"profile"`
	Renamed  int            `json:"renamed"`            // joints given the profile's name
	Unmapped []string       `json:"unmapped,omitempty"` // joints the profile has no bone for: they keep their name
}

// NameError reports a rename that cannot be done.
type NameError struct{ Msg string }

func (e *NameError) Error() string { return "retarget: " + e.Msg }

// Rename returns a copy of a whose joints carry the profile's names; the clips are shared,
// since only names change. Joints the profile lacks keep their own name (without a Mixamo
// prefix) and are listed in the report. Names are read in any profile, so an animation
// renamed to UE5 renames back to Mixamo. The copy has no Origin: a writer builds a new
// document for it rather than matching the source's objects by their old names.
func Rename(a *anim.Animation, p mixamo.Profile) (*anim.Animation, RenameReport, error) {
	rep := RenameReport{Profile: p}
	if _, ok := mixamo.ParseProfile(string(p)); !ok {
		return nil, rep, &NameError{Msg: fmt.Sprintf("unknown profile %q; want %s", p, mixamo.ProfileNames())}
	}
	if a == nil || a.Skeleton == nil {
		return nil, rep, &NameError{Msg: "animation has no skeleton"}
	}
	s := *a.Skeleton
	s.Origin = nil
	s.Joints = append([]anim.Joint(nil), a.Skeleton.Joints...)
	names := make([]string, len(s.Joints))
	for i, j := range s.Joints {
		names[i] = j.Name
	}
	from := mixamo.Detect(names)
	seen := make(map[string]int, len(s.Joints))
	for i := range s.Joints {
		old := s.Joints[i].Name
		name := mixamo.Normalize(old)
		mx, ok := mixamo.MixamoName(from, old)
		if !ok && from != mixamo.ProfileMixamo {
			// A leaf joint the engine lacks kept its Mixamo name on the way out.
			mx, ok = mixamo.MixamoName(mixamo.ProfileMixamo, old)
		}
		if ok {
			if n, ok := mixamo.ProfileName(p, mx); ok {
				name = n
				rep.Renamed++
			} else {
				rep.Unmapped = append(rep.Unmapped, old)
			}
		} else {
			rep.Unmapped = append(rep.Unmapped, old)
		}
		if k, dup := seen[name]; dup {
			return nil, rep, &NameError{Msg: fmt.Sprintf("joints %q and %q would both be named %q", s.Joints[k].Name, old, name)}
		}
		seen[name] = i
		s.Joints[i].Name = name
	}
	sort.Strings(rep.Unmapped)
	out := *a
	out.Skeleton = &s
	out.Source.Prefix = ""
	if p == mixamo.ProfileMixamo {
		out.Source.Prefix = mixamo.MixamoPrefix
	}
	return &out, rep, nil
}
