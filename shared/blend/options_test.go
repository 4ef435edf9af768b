package blend

import (
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"testing"
)

func TestValidateNamesField(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		o     Options
		n     int
		field string
	}{
		{"no method", Options{}, 2, "method"},
		{"unknown method", Options{Method: "morph"}, 2, "method"},
		{"mix one input", Options{Method: "mix"}, 1, "inputs"},
		{"mix three inputs", Options{Method: "linear"}, 3, "inputs"},
		{"blendspace one input", Options{Method: "blendspace", Positions: []float64{1}}, 1, "inputs"},
		{"ratio above 1", Options{Method: "mix", Ratio: f64(1.5)}, 2, "ratio"},
		{"ratio negative", Options{Method: "mix", Ratio: f64(-0.1)}, 2, "ratio"},
		{"ratio NaN", Options{Method: "mix", Ratio: f64(math.NaN())}, 2, "ratio"},
		{"sync unknown", Options{Method: "mix", Sync: "hands"}, 2, "sync"},
		{"fps negative", Options{Method: "mix", FPS: -30}, 2, "fps"},
		{"fps infinite", Options{Method: "mix", FPS: math.Inf(1)}, 2, "fps"},
		{"transition frames negative", Options{Method: "transition", TransitionFrames: -1}, 2, "transition_frames"},
		{"curve unknown", Options{Method: "single-shot", Curve: "bounce"}, 2, "curve"},
		{"transition_at negative", Options{Method: "transition", TransitionAt: f64(-1)}, 2, "transition_at"},
		{"loop curve unknown", Options{Method: "mix", Loop: true, Curve: "bounce"}, 2, "curve"},
		{"mask missing", Options{Method: "layer"}, 2, "mask"},
		{"mask empty name", Options{Method: "layer", Mask: Mask{"LeftArm", " "}}, 2, "mask"},
		{"mask preset in list", Options{Method: "layer", Mask: Mask{"LeftArm", "head"}}, 2, "mask"},
		{"mask_weight above 1", Options{Method: "layer", Mask: Mask{"head"}, MaskWeight: f64(2)}, 2, "mask_weight"},
		{"weight negative", Options{Method: "additive", Weight: f64(-0.5)}, 2, "weight"},
		{"reference_frame negative", Options{Method: "additive", ReferenceFrame: -2}, 2, "reference_frame"},
		{"positions count", Options{Method: "blendspace", Positions: []float64{1, 2}}, 3, "positions"},
		{"positions not increasing", Options{Method: "blendspace", Positions: []float64{1, 3, 3}}, 3, "positions"},
		{"positions NaN", Options{Method: "blendspace", Positions: []float64{1, math.NaN()}}, 2, "positions"},
		{"value NaN", Options{Method: "blendspace", Positions: []float64{1, 2}, Value: math.NaN()}, 2, "value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.o.Validate(tt.n)
			var oe *OptionError
			if !errors.As(err, &oe) {
				t.Fatalf("want *OptionError, got %v", err)
			}
			if oe.Field != tt.field {
				t.Fatalf("field %q, want %q (%v)", oe.Field, tt.field, err)
			}
			if oe.Msg == "" {
				t.Fatal("empty message")
			}
		})
	}
}

func TestValidateAccepts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		o Options
		n int
	}{
		{Options{Method: "mix"}, 2},
		{Options{Method: "linear", Ratio: f64(0), Sync: "feet", FPS: 30, Loop: true, InPlace: true}, 2},
		{Options{Method: "transition", TransitionFrames: 20, Curve: "ease-in-out", TransitionAt: f64(0)}, 2},
		{Options{Method: "layer", Mask: Mask{"upper_body"}, MaskWeight: f64(0.5)}, 2},
		{Options{Method: "layer", Mask: Mask{"mixamorig:LeftArm", "RightArm"}}, 2},
		{Options{Method: "additive", Weight: f64(0.3), ReferenceFrame: 5}, 2},
		{Options{Method: "blendspace", Positions: []float64{1.5, 3, 5}, Value: 9}, 3},
	}
	for _, tt := range tests {
		if err := tt.o.Validate(tt.n); err != nil {
			t.Errorf("%+v: %v", tt.o, err)
		}
	}
}

func TestCanonical(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   Options
		want Options
	}{
		{"mix defaults", Options{Method: "Linear", Mask: Mask{"head"}, Weight: f64(0.2)},
			Options{Method: Mix, Ratio: f64(0.5), Sync: SyncNone, FootLock: ptrBool(true)}},
		{"transition defaults", Options{Method: "single-shot"},
			Options{Method: Transition, TransitionFrames: 10, Curve: CurveSmoothstep}},
		{"transition keeps time", Options{Method: "transition", TransitionAt: f64(0.4), Curve: "EASE_IN_OUT"},
			Options{Method: Transition, TransitionFrames: 10, Curve: CurveEaseInOut, TransitionAt: f64(0.4)}},
		{"layer joints normalised and sorted", Options{Method: "layer", Mask: Mask{"mixamorig:RightArm", "LeftArm", "RightArm"}},
			Options{Method: Layer, Mask: Mask{"LeftArm", "RightArm"}, MaskWeight: f64(1)}},
		{"layer preset spelling", Options{Method: "layer", Mask: Mask{"Upper-Body"}, MaskWeight: f64(0.5)},
			Options{Method: Layer, Mask: Mask{"upper_body"}, MaskWeight: f64(0.5)}},
		{"additive", Options{Method: "additive", ReferenceFrame: 3, Ratio: f64(0.9)},
			Options{Method: Additive, Weight: f64(1), ReferenceFrame: 3}},
		{"loop fills fade", Options{Method: "blendspace", Positions: []float64{1, 2}, Value: 1.5, Loop: true, FPS: 30},
			Options{Method: Blendspace, Positions: []float64{1, 2}, Value: 1.5, Loop: true, FPS: 30, TransitionFrames: 10, Curve: CurveSmoothstep, FootLock: ptrBool(true)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.in.Canonical()
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got  %s\nwant %s", js(t, got), js(t, tt.want))
			}
			if again := got.Canonical(); !reflect.DeepEqual(again, got) {
				t.Fatalf("not idempotent: %s", js(t, again))
			}
		})
	}
}

func js(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestOptionsJSON(t *testing.T) {
	t.Parallel()
	var o Options
	in := `{"method":"layer","mask":"upper_body","mask_weight":0.5,"transition_at":1.25,"in_place":true,"positions":[1,2]}`
	if err := json.Unmarshal([]byte(in), &o); err != nil {
		t.Fatal(err)
	}
	if len(o.Mask) != 1 || o.Mask[0] != "upper_body" || *o.MaskWeight != 0.5 || *o.TransitionAt != 1.25 || !o.InPlace || len(o.Positions) != 2 {
		t.Fatalf("decoded %+v", o)
	}
	if err := json.Unmarshal([]byte(`{"mask":["LeftArm","RightArm"]}`), &o); err != nil || len(o.Mask) != 2 {
		t.Fatalf("list mask: %v %v", o.Mask, err)
	}
	err := json.Unmarshal([]byte(`{"mask":42}`), &o)
	var oe *OptionError
	if !errors.As(err, &oe) || oe.Field != "mask" {
		t.Fatalf("want mask error, got %v", err)
	}
	// An absent transition_at stays nil (automatic); an explicit 0 is kept.
	var auto, zero Options
	_ = json.Unmarshal([]byte(`{"method":"transition"}`), &auto)
	_ = json.Unmarshal([]byte(`{"method":"transition","transition_at":0}`), &zero)
	if auto.TransitionAt != nil || zero.TransitionAt == nil || *zero.TransitionAt != 0 {
		t.Fatalf("transition_at: auto %v zero %v", auto.TransitionAt, zero.TransitionAt)
	}
}

func ptrBool(v bool) *bool { return &v }
