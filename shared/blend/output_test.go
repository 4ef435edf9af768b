package blend

import (
	"errors"
	"math"
	"reflect"
	"testing"
)

func TestOutputOptionsValidate(t *testing.T) {
	t.Parallel()
	bad := []struct {
		name  string
		o     Options
		field string
	}{
		{"rename unknown", Options{Method: "mix", Rename: "maya"}, "rename"},
		{"max_error_cm negative", Options{Method: "mix", MaxErrorCM: -0.1}, "max_error_cm"},
		{"max_error_cm NaN", Options{Method: "mix", MaxErrorCM: math.NaN()}, "max_error_cm"},
		{"max_error_cm huge", Options{Method: "mix", MaxErrorCM: 1e6}, "max_error_cm"},
		{"vertex_distance_cm negative", Options{Method: "mix", MaxErrorCM: 1, VertexDistanceCM: -1}, "vertex_distance_cm"},
		{"vertex_distance_cm alone", Options{Method: "mix", VertexDistanceCM: 3}, "vertex_distance_cm"},
	}
	for _, tt := range bad {
		err := tt.o.Validate(2)
		var oe *OptionError
		if !errors.As(err, &oe) || oe.Field != tt.field || oe.Msg == "" {
			t.Errorf("%s: error %v, want an *OptionError on %s", tt.name, err, tt.field)
		}
	}
	for _, o := range []Options{
		{Method: "mix", Rename: "UE5"},
		{Method: "mix", Rename: "unreal", MaxErrorCM: 0.5},
		{Method: "transition", Rename: "godot", MaxErrorCM: 0.1, VertexDistanceCM: 3},
		{Method: "mix", Rename: "unity"},
		{Method: "mix", Rename: "mixamo"},
	} {
		if err := o.Validate(2); err != nil {
			t.Errorf("%+v: %v", o, err)
		}
	}
}

func TestOutputOptionsCanonical(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in                   Options
		rename               string
		maxErr, vertexWanted float64
	}{
		{Options{Method: "mix"}, "", 0, 0},
		{Options{Method: "mix", Rename: " Unreal ", MaxErrorCM: 0.5, VertexDistanceCM: 2}, "ue5", 0.5, 2},
		{Options{Method: "additive", Rename: "Humanoid"}, "unity", 0, 0},
	}
	for _, tt := range tests {
		c := tt.in.Canonical()
		if c.Rename != tt.rename || c.MaxErrorCM != tt.maxErr || c.VertexDistanceCM != tt.vertexWanted {
			t.Errorf("%+v: canonical rename %q, bound %v, vertex %v", tt.in, c.Rename, c.MaxErrorCM, c.VertexDistanceCM)
		}
		if again := c.Canonical(); !reflect.DeepEqual(again, c) {
			t.Errorf("%+v: canonical form not idempotent", tt.in)
		}
	}
}
