// Package fbx reads and writes binary FBX (versions 6100 to 7700): a faithful node tree
// (Document, Node, Prop) below a semantic layer that builds the animation model.
package fbx

// Document is a parsed binary FBX file: its version and top-level nodes.
type Document struct {
	Version uint32
	Nodes   []*Node
}

// Node is one FBX record: a name, its properties and nested records.
type Node struct {
	Name     string
	Props    []Prop
	Children []*Node
}

// Prop is one property value. Type is the FBX type code; exactly one field below holds the value:
//
//	'C' bool, 'Y' i16, 'I' i32, 'L' i64 -> Int (bool as 0/1)
//	'F' f32, 'D' f64                    -> Float
//	'S' string, 'R' raw bytes           -> String / Bytes
//	'f' []f32, 'd' []f64, 'i' []i32, 'l' []i64, 'b' []bool -> the matching slice
type Prop struct {
	Type   byte
	Int    int64
	Float  float64
	String string
	Bytes  []byte

	F32s  []float32
	F64s  []float64
	I32s  []int32
	I64s  []int64
	Bools []bool
}

// Child returns the first child with the given name, or nil.
func (n *Node) Child(name string) *Node {
	if n == nil {
		return nil
	}
	for _, c := range n.Children {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// Find returns the first top-level node with the given name, or nil.
func (d *Document) Find(name string) *Node {
	for _, n := range d.Nodes {
		if n.Name == name {
			return n
		}
	}
	return nil
}
