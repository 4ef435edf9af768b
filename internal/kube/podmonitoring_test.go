package kube_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	yamlv3 "go.yaml.in/yaml/v3"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/kube-openapi/pkg/validation/spec"
	"k8s.io/kube-openapi/pkg/validation/strfmt"
	"k8s.io/kube-openapi/pkg/validation/validate"
	"sigs.k8s.io/yaml"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/kube"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/metrics"
)

// The PodMonitoring CRD as Google Cloud Managed Service for Prometheus
// installs it; testdata/crd/README.md names its source.
const podMonitoringCRD = "testdata/crd/monitoring.googleapis.com_podmonitorings.yaml"

const podMonitoringFile = "../../terraform/k8s/base/podmonitoring.yaml"

// podMonitoringSchema is the openAPIV3Schema of the CRD's served storage
// version v1, made strict: an object schema that lists its properties and
// neither allows more nor preserves unknown fields refuses any other field,
// as the API server does under kubectl's default strict field validation
// (https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definitions/#field-pruning,
// "Field validation" of kubectl apply). The CEL rules
// (x-kubernetes-validations) are not evaluated here; the ones that apply to
// our objects are checked in TestPodMonitoringScrapesWhatIsServed.
func podMonitoringSchema(t *testing.T) *spec.Schema {
	t.Helper()
	data, err := os.ReadFile(podMonitoringCRD)
	if err != nil {
		t.Fatal(err)
	}
	var crd struct {
		Spec struct {
			Group string `json:"group"`
			Names struct {
				Kind string `json:"kind"`
			} `json:"names"`
			Versions []struct {
				Name    string `json:"name"`
				Served  bool   `json:"served"`
				Storage bool   `json:"storage"`
				Schema  struct {
					OpenAPIV3Schema json.RawMessage `json:"openAPIV3Schema"`
				} `json:"schema"`
			} `json:"versions"`
		} `json:"spec"`
	}
	if err := yaml.Unmarshal(data, &crd); err != nil {
		t.Fatal(err)
	}
	if crd.Spec.Group != "monitoring.googleapis.com" || crd.Spec.Names.Kind != "PodMonitoring" {
		t.Fatalf("%s: want the monitoring.googleapis.com PodMonitoring CRD, got %s %s", podMonitoringCRD, crd.Spec.Group, crd.Spec.Names.Kind)
	}
	for _, v := range crd.Spec.Versions {
		if v.Name != "v1" {
			continue
		}
		if !v.Served || !v.Storage {
			t.Fatalf("%s: v1 served=%v storage=%v, want both", podMonitoringCRD, v.Served, v.Storage)
		}
		var raw map[string]any
		if err := json.Unmarshal(v.Schema.OpenAPIV3Schema, &raw); err != nil {
			t.Fatal(err)
		}
		strict(raw)
		b, err := json.Marshal(raw)
		if err != nil {
			t.Fatal(err)
		}
		var s spec.Schema
		if err := json.Unmarshal(b, &s); err != nil {
			t.Fatal(err)
		}
		return &s
	}
	t.Fatalf("%s: no version v1", podMonitoringCRD)
	return nil
}

// strict sets additionalProperties: false on every object schema with
// properties of its own that does not already say what other fields may do.
func strict(s map[string]any) {
	_, hasProps := s["properties"]
	_, hasAdditional := s["additionalProperties"]
	preserve, _ := s["x-kubernetes-preserve-unknown-fields"].(bool)
	if hasProps && !hasAdditional && !preserve {
		s["additionalProperties"] = false
	}
	for _, key := range []string{"properties", "patternProperties", "definitions"} {
		if m, ok := s[key].(map[string]any); ok {
			for _, sub := range m {
				if subm, ok := sub.(map[string]any); ok {
					strict(subm)
				}
			}
		}
	}
	for _, key := range []string{"items", "additionalProperties", "not"} {
		if subm, ok := s[key].(map[string]any); ok {
			strict(subm)
		}
	}
	for _, key := range []string{"allOf", "anyOf", "oneOf"} {
		if l, ok := s[key].([]any); ok {
			for _, sub := range l {
				if subm, ok := sub.(map[string]any); ok {
					strict(subm)
				}
			}
		}
	}
}

// schemaErrors validates obj (decoded from YAML or JSON) against s.
func schemaErrors(s *spec.Schema, obj any) []string {
	res := validate.NewSchemaValidator(s, nil, "", strfmt.Default).Validate(obj)
	var out []string
	for _, err := range res.Errors {
		out = append(out, err.Error())
	}
	return out
}

// readDocs returns every YAML document of path as a JSON-compatible value.
func readDocs(t *testing.T, path string) []map[string]any {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := yamlv3.NewDecoder(bytes.NewReader(data))
	var docs []map[string]any
	for {
		var node yamlv3.Node
		if err := dec.Decode(&node); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		b, err := yamlv3.Marshal(&node)
		if err != nil {
			t.Fatal(err)
		}
		// Through JSON, so that numbers and maps have the types the
		// validator expects (float64, map[string]any).
		j, err := yaml.YAMLToJSON(b)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		var doc map[string]any
		if err := json.Unmarshal(j, &doc); err != nil {
			t.Fatal(err)
		}
		if doc != nil {
			docs = append(docs, doc)
		}
	}
	return docs
}

// TestPodMonitoringMatchesCRD checks terraform/k8s/base/podmonitoring.yaml
// against the PodMonitoring schema; k8s-validate (kubeconform) has no
// schema for the kind and skips it.
func TestPodMonitoringMatchesCRD(t *testing.T) {
	t.Parallel()
	s := podMonitoringSchema(t)
	docs := readDocs(t, podMonitoringFile)
	if len(docs) == 0 {
		t.Fatalf("%s: no objects", podMonitoringFile)
	}
	for _, doc := range docs {
		if doc["apiVersion"] != "monitoring.googleapis.com/v1" || doc["kind"] != "PodMonitoring" {
			t.Errorf("%s: %v %v, want only monitoring.googleapis.com/v1 PodMonitoring", podMonitoringFile, doc["apiVersion"], doc["kind"])
			continue
		}
		if errs := schemaErrors(s, doc); len(errs) > 0 {
			t.Errorf("%s: %v: %s", podMonitoringFile, doc["metadata"], strings.Join(errs, "; "))
		}
	}
}

// TestPodMonitoringSchemaRefuses shows the schema check is not vacuous: each
// mistake below is one the API server refuses.
func TestPodMonitoringSchemaRefuses(t *testing.T) {
	t.Parallel()
	s := podMonitoringSchema(t)
	valid := func() map[string]any {
		return map[string]any{
			"apiVersion": "monitoring.googleapis.com/v1",
			"kind":       "PodMonitoring",
			"metadata":   map[string]any{"name": "x"},
			"spec": map[string]any{
				"selector":  map[string]any{"matchLabels": map[string]any{"app": "x"}},
				"endpoints": []any{map[string]any{"port": "metrics", "interval": "30s"}},
			},
		}
	}
	if errs := schemaErrors(s, valid()); len(errs) > 0 {
		t.Fatalf("the base case must pass: %v", errs)
	}
	spec := func(o map[string]any) map[string]any { return o["spec"].(map[string]any) }
	endpoint := func(o map[string]any) map[string]any { return spec(o)["endpoints"].([]any)[0].(map[string]any) }
	tests := []struct {
		name   string
		mutate func(map[string]any)
	}{
		{"misspelled field", func(o map[string]any) { spec(o)["endpoint"] = spec(o)["endpoints"]; delete(spec(o), "endpoints") }},
		{"no selector", func(o map[string]any) { delete(spec(o), "selector") }},
		{"no endpoints", func(o map[string]any) { spec(o)["endpoints"] = []any{} }},
		{"endpoint without interval", func(o map[string]any) { delete(endpoint(o), "interval") }},
		{"unknown endpoint field", func(o map[string]any) { endpoint(o)["scrapeInterval"] = "30s" }},
		{"interval not a duration", func(o map[string]any) { endpoint(o)["interval"] = "half a minute" }},
		{"unknown target metadata", func(o map[string]any) {
			spec(o)["targetLabels"] = map[string]any{"metadata": []any{"namespace"}}
		}},
		{"port of a wrong type", func(o map[string]any) { endpoint(o)["port"] = []any{"metrics"} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := valid()
			tt.mutate(o)
			if errs := schemaErrors(s, o); len(errs) == 0 {
				t.Errorf("accepted %v", o)
			}
		})
	}
}

// TestPodMonitoringScrapesWhatIsServed holds the PodMonitoring to the pods
// it is for: its selector picks the worker Deployment's pods and the shard
// Jobs' pods the blend service creates, every endpoint names a port those
// containers declare, that port is where internal/metrics serves on
// Kubernetes, and no pod still carries prometheus.io annotations (managed
// collection ignores them).
func TestPodMonitoringScrapesWhatIsServed(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("../../terraform/k8s/base/worker-deployment.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var deploy appsv1.Deployment
	if err := yaml.UnmarshalStrict(data, &deploy); err != nil {
		t.Fatal(err)
	}
	job := (&kube.Jobs{Config: config(t, testEnv)}).Job(testJob())
	pods := map[string]corev1.PodTemplateSpec{
		"worker Deployment": deploy.Spec.Template,
		"shard Job":         job.Spec.Template,
	}

	for _, doc := range readDocs(t, podMonitoringFile) {
		b, err := json.Marshal(doc["spec"])
		if err != nil {
			t.Fatal(err)
		}
		var pm struct {
			Selector  metav1.LabelSelector `json:"selector"`
			Endpoints []struct {
				Port     json.RawMessage `json:"port"`
				Path     string          `json:"path"`
				Interval string          `json:"interval"`
				Timeout  string          `json:"timeout"`
			} `json:"endpoints"`
		}
		if err := json.Unmarshal(b, &pm); err != nil {
			t.Fatal(err)
		}
		sel, err := metav1.LabelSelectorAsSelector(&pm.Selector)
		if err != nil {
			t.Fatal(err)
		}
		for what, pod := range pods {
			if !sel.Matches(labels.Set(pod.Labels)) {
				t.Errorf("selector %s does not pick the %s's pods (labels %v)", sel, what, pod.Labels)
				continue
			}
			for _, ep := range pm.Endpoints {
				var name string
				if err := json.Unmarshal(ep.Port, &name); err != nil {
					t.Errorf("endpoint port %s: name the port (a number leaves the container label empty)", ep.Port)
					continue
				}
				var port int32
				for _, c := range pod.Spec.Containers {
					for _, p := range c.Ports {
						if p.Name == name {
							port = p.ContainerPort
						}
					}
				}
				if port == 0 {
					t.Errorf("%s: no container port named %q", what, name)
				} else if strconv.Itoa(int(port)) != metrics.DefaultPort {
					t.Errorf("%s: port %q is %d, but /metrics is served on %s", what, name, port, metrics.DefaultPort)
				}
				if ep.Path != "" && ep.Path != "/metrics" {
					t.Errorf("endpoint path %q: /metrics is what is served", ep.Path)
				}
			}
			for k := range pod.Annotations {
				if strings.HasPrefix(k, "prometheus.io/") {
					t.Errorf("%s: annotation %s left over; PodMonitoring selects the pods", what, k)
				}
			}
		}
		// The CRD's CEL rule on endpoints: a timeout no longer than the
		// interval.
		for _, ep := range pm.Endpoints {
			interval, err := time.ParseDuration(ep.Interval)
			if err != nil {
				t.Errorf("interval %q: %v", ep.Interval, err)
				continue
			}
			if ep.Timeout == "" {
				continue
			}
			if timeout, err := time.ParseDuration(ep.Timeout); err != nil || timeout > interval {
				t.Errorf("timeout %q must be a duration no longer than the interval %q", ep.Timeout, ep.Interval)
			}
		}
	}
}

// TestKustomizationAppliesPodMonitoring: the base applies the file with the
// rest of the worker's objects.
func TestKustomizationAppliesPodMonitoring(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("../../terraform/k8s/base/kustomization.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var k struct {
		Resources []string `json:"resources"`
	}
	if err := yaml.Unmarshal(data, &k); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(k.Resources, "podmonitoring.yaml") {
		t.Errorf("kustomization.yaml resources %v: podmonitoring.yaml missing", k.Resources)
	}
}
