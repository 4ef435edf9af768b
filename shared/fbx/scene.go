package fbx

import (
	"strings"
)

// fbxObject is one entry of the Objects section: its id, its name without the class suffix,
// its class (the record name: Model, AnimationCurve, ...) and subclass (LimbNode, Null, ...).
type fbxObject struct {
	id    int64
	name  string
	class string
	sub   string
	node  *Node
	props *Node // Properties70 (FBX 7) or Properties60 (FBX 6)
	order int   // position in the Objects section
}

// connection is one C (FBX 7) or Connect (FBX 6) record.
type connection struct {
	op     bool // OP: child object -> parent property
	child  int64
	parent int64
	prop   string
}

// scene indexes a Document's objects, connections and property templates.
type scene struct {
	doc       *Document
	objects   map[int64]*fbxObject
	list      []*fbxObject // in file order
	conns     []connection
	templates map[string]map[string][]Prop // class -> property name -> template values
	blocks    map[*Node]map[string][]Prop  // big property blocks, indexed on first use
	byName    map[string]int64             // FBX 6: full object name -> synthetic id
}

// objectName strips the class from an object name: FBX 7 writes "Name\x00\x01Class", FBX 6
// ASCII-era names read "Class::Name".
func objectName(s string) string {
	if i := strings.Index(s, "\x00\x01"); i >= 0 {
		return s[:i]
	}
	if i := strings.Index(s, "::"); i >= 0 {
		return s[i+2:]
	}
	return s
}

func newScene(doc *Document) *scene {
	s := &scene{doc: doc, templates: map[string]map[string][]Prop{}}
	objs := doc.Find("Objects")
	n := 0
	if objs != nil {
		n = len(objs.Children)
	}
	s.objects = make(map[int64]*fbxObject, n)
	s.list = make([]*fbxObject, 0, n)
	// FBX 6 identifies objects by their full name; map each to a synthetic id.
	var byName map[string]int64
	if objs != nil {
		store := make([]fbxObject, 0, n)
		for i, c := range objs.Children {
			o := fbxObject{class: c.Name, node: c, order: i}
			switch {
			case len(c.Props) >= 2 && c.Props[0].Type == 'L' && c.Props[1].Type == 'S':
				o.id = c.Props[0].Int
				o.name = objectName(c.Props[1].String)
				if len(c.Props) >= 3 && c.Props[2].Type == 'S' {
					o.sub = c.Props[2].String
				}
			case len(c.Props) >= 1 && c.Props[0].Type == 'S':
				if byName == nil {
					byName = map[string]int64{}
				}
				full := c.Props[0].String
				id, ok := byName[full]
				if !ok {
					id = int64(len(byName) + 1)
					byName[full] = id
				}
				o.id = id
				o.name = objectName(full)
				if len(c.Props) >= 2 && c.Props[1].Type == 'S' {
					o.sub = c.Props[1].String
				}
			default:
				continue
			}
			if _, dup := s.objects[o.id]; dup {
				continue // the first object with an id wins; later ones are unreachable anyway
			}
			o.props = c.Child("Properties70")
			if o.props == nil {
				o.props = c.Child("Properties60")
			}
			store = append(store, o)
			p := &store[len(store)-1]
			s.objects[p.id] = p
			s.list = append(s.list, p)
		}
	}
	s.byName = byName
	if cn := doc.Find("Connections"); cn != nil {
		s.conns = make([]connection, 0, len(cn.Children))
		for _, c := range cn.Children {
			if (c.Name != "C" && c.Name != "Connect") || len(c.Props) < 3 || c.Props[0].Type != 'S' {
				continue
			}
			kind := c.Props[0].String
			if kind != "OO" && kind != "OP" {
				continue
			}
			cc := connection{op: kind == "OP"}
			var ok bool
			if cc.child, ok = connID(c.Props[1], byName); !ok {
				continue
			}
			if cc.parent, ok = connID(c.Props[2], byName); !ok {
				continue
			}
			if cc.op {
				if len(c.Props) < 4 || c.Props[3].Type != 'S' {
					continue
				}
				cc.prop = c.Props[3].String
			}
			s.conns = append(s.conns, cc)
		}
	}
	if defs := doc.Find("Definitions"); defs != nil {
		for _, ot := range defs.Children {
			if ot.Name != "ObjectType" || len(ot.Props) < 1 || ot.Props[0].Type != 'S' {
				continue
			}
			for _, pt := range ot.Children {
				if pt.Name != "PropertyTemplate" {
					continue
				}
				p := pt.Child("Properties70")
				if p == nil {
					p = pt.Child("Properties60")
				}
				if _, seen := s.templates[ot.Props[0].String]; p != nil && !seen {
					// Indexed once: every object of the class falls back to it.
					m := make(map[string][]Prop, len(p.Children))
					for _, rec := range p.Children {
						if name, vals, ok := propRecord(rec); ok {
							if _, dup := m[name]; !dup {
								m[name] = vals
							}
						}
					}
					s.templates[ot.Props[0].String] = m
				}
			}
		}
	}
	return s
}

// connID resolves a connection end: an id (FBX 7) or a full object name (FBX 6). The scene
// root is id 0 in FBX 7 and "Scene" in FBX 6; unknown names map to 0 too.
func connID(p Prop, byName map[string]int64) (int64, bool) {
	switch p.Type {
	case 'L', 'I':
		return p.Int, true
	case 'S':
		return byName[p.String], true
	}
	return 0, false
}

// propValues returns the values of property name on o (after its name and type strings),
// falling back to the class template, or nil when neither has it.
func (s *scene) propValues(o *fbxObject, name string) []Prop {
	if v := s.findP(o.props, name); v != nil {
		return v
	}
	return s.templates[o.class][name]
}

// findP looks a property up in a Properties70 (P records: name, type, subtype, flags,
// values...) or Properties60 (Property records: name, type, flags, values...) block. Small
// blocks are scanned; big ones are indexed on first use, so that no input makes repeated
// lookups quadratic.
func (s *scene) findP(block *Node, name string) []Prop {
	if block == nil {
		return nil
	}
	if len(block.Children) > 32 {
		idx, ok := s.blocks[block]
		if !ok {
			idx = make(map[string][]Prop, len(block.Children))
			for _, p := range block.Children {
				if n, vals, ok := propRecord(p); ok {
					if _, dup := idx[n]; !dup {
						idx[n] = vals
					}
				}
			}
			if s.blocks == nil {
				s.blocks = map[*Node]map[string][]Prop{}
			}
			s.blocks[block] = idx
		}
		return idx[name]
	}
	for _, p := range block.Children {
		if len(p.Props) == 0 || p.Props[0].Type != 'S' || p.Props[0].String != name {
			continue
		}
		if _, vals, ok := propRecord(p); ok {
			return vals
		}
	}
	return nil
}

// propRecord splits a P or Property record into its name and values.
func propRecord(p *Node) (string, []Prop, bool) {
	if len(p.Props) == 0 || p.Props[0].Type != 'S' {
		return "", nil, false
	}
	skip := 4
	if p.Name == "Property" {
		skip = 3
	}
	if len(p.Props) <= skip {
		return p.Props[0].String, []Prop{}, true // declared without a value (a compound)
	}
	return p.Props[0].String, p.Props[skip:], true
}

// number converts a numeric property; ok is false for strings and arrays.
func number(p Prop) (float64, bool) {
	switch p.Type {
	case 'F', 'D':
		return p.Float, true
	case 'C', 'Y', 'I', 'L':
		return float64(p.Int), true
	}
	return 0, false
}

func (s *scene) propFloat(o *fbxObject, name string, def float64) float64 {
	if v := s.propValues(o, name); len(v) >= 1 {
		if f, ok := number(v[0]); ok {
			return f
		}
	}
	return def
}

func (s *scene) propInt(o *fbxObject, name string, def int64) int64 {
	if v := s.propValues(o, name); len(v) >= 1 {
		switch v[0].Type {
		case 'C', 'Y', 'I', 'L':
			return v[0].Int
		case 'F', 'D':
			return int64(v[0].Float)
		}
	}
	return def
}

func (s *scene) propVec(o *fbxObject, name string, def [3]float64) [3]float64 {
	v := s.propValues(o, name)
	if len(v) < 3 {
		return def
	}
	var out [3]float64
	for i := range out {
		f, ok := number(v[i])
		if !ok {
			return def
		}
		out[i] = f
	}
	return out
}

// childNumber returns the first numeric property of child record name.
func childNumber(n *Node, name string) (float64, bool) {
	c := n.Child(name)
	if c == nil || len(c.Props) == 0 {
		return 0, false
	}
	return number(c.Props[0])
}
