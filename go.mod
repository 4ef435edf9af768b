module github.com/rydlrcs/mixamo-blend-pipeline

go 1.26.8

require github.com/qmuntal/gltf v0.29.0 // indirect
