package kube_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/sethvargo/go-envconfig"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/rest"
	k8stesting "k8s.io/client-go/testing"
	"sigs.k8s.io/yaml"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/kube"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/pipelinetest"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/pipeline"
)

func config(t *testing.T, env map[string]string) *kube.Config {
	t.Helper()
	c, err := kube.LoadConfig(context.Background(), envconfig.MapLookuper(env))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var testEnv = map[string]string{
	"K8S_WORKER_IMAGE":    "europe-west1-docker.pkg.dev/p/blendpipe/worker:b42",
	"K8S_MAX_PARALLELISM": "3",
}

func testJob() pipeline.ShardJob {
	return pipeline.ShardJob{Bucket: "p-blendpipe-dev-library", Manifest: "jobs/Nightly Run.yaml", Generation: 1712345678901234,
		Shards: 5, Blends: 480, CorrelationID: "evt-1"}
}

// TestStartShardsCreatesIndexedJob creates the Job through the fake
// clientset and reads it back as the API server holds it.
func TestStartShardsCreatesIndexedJob(t *testing.T) {
	ctx := context.Background()
	cs := fake.NewClientset()
	jobs := &kube.Jobs{Client: cs.BatchV1().Jobs("blendpipe"), Config: config(t, testEnv), Log: pipelinetest.Logger(t)}
	job := testJob()
	if err := jobs.StartShards(ctx, job); err != nil {
		t.Fatal(err)
	}
	list, err := cs.BatchV1().Jobs("blendpipe").List(ctx, metav1.ListOptions{})
	if err != nil || len(list.Items) != 1 {
		t.Fatalf("jobs in blendpipe: %v, %v", list, err)
	}
	got := list.Items[0]
	name := kube.JobName(job.Bucket, job.Manifest, job.Generation)
	if got.Name != name || !strings.HasPrefix(name, "blendpipe-batch-nightly-run-") || len(name) > 63 {
		t.Errorf("name %q (want %q, a label value of at most 63 characters)", got.Name, name)
	}
	spec := got.Spec
	if spec.CompletionMode == nil || *spec.CompletionMode != batchv1.IndexedCompletion {
		t.Errorf("completion mode %v, want Indexed", spec.CompletionMode)
	}
	if *spec.Completions != 5 || *spec.Parallelism != 3 {
		t.Errorf("completions %d, parallelism %d; want 5 and 3 (capped)", *spec.Completions, *spec.Parallelism)
	}
	if *spec.BackoffLimitPerIndex != 2 || *spec.MaxFailedIndexes != 0 || *spec.TTLSecondsAfterFinished != 86400 || *spec.ActiveDeadlineSeconds != 21600 {
		t.Errorf("limits: %d per index, %d failed, ttl %d, deadline %d", *spec.BackoffLimitPerIndex, *spec.MaxFailedIndexes,
			*spec.TTLSecondsAfterFinished, *spec.ActiveDeadlineSeconds)
	}
	if got.Annotations[kube.AnnotationManifest] != "gs://p-blendpipe-dev-library/jobs/Nightly Run.yaml" ||
		got.Annotations[kube.AnnotationGeneration] != "1712345678901234" || got.Annotations[kube.AnnotationCorrelationID] != "evt-1" {
		t.Errorf("annotations %v", got.Annotations)
	}
	pod := spec.Template.Spec
	if pod.ServiceAccountName != "blendpipe-worker" || *pod.AutomountServiceAccountToken || pod.RestartPolicy != corev1.RestartPolicyNever {
		t.Errorf("pod: service account %q, automount %v, restart %s", pod.ServiceAccountName, *pod.AutomountServiceAccountToken, pod.RestartPolicy)
	}
	if sc := pod.SecurityContext; !*sc.RunAsNonRoot || *sc.RunAsUser != 1000 || *sc.FSGroup != 1000 || sc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("pod security context %+v", sc)
	}
	if len(pod.Containers) != 1 {
		t.Fatalf("%d containers", len(pod.Containers))
	}
	c := pod.Containers[0]
	if c.Image != testEnv["K8S_WORKER_IMAGE"] || c.ImagePullPolicy != corev1.PullIfNotPresent {
		t.Errorf("image %q, pull %s", c.Image, c.ImagePullPolicy)
	}
	for image, want := range map[string]corev1.PullPolicy{
		"r.example/p/worker:latest": corev1.PullAlways, "localhost:5000/worker": corev1.PullAlways,
		"localhost:5000/worker:b1": corev1.PullIfNotPresent, "r.example/worker@sha256:ab": corev1.PullIfNotPresent,
	} {
		cfg := config(t, map[string]string{"K8S_WORKER_IMAGE": image})
		if got := (&kube.Jobs{Config: cfg}).Job(job).Spec.Template.Spec.Containers[0].ImagePullPolicy; got != want {
			t.Errorf("%s: pull %s, want %s", image, got, want)
		}
	}
	wantArgs := []string{"batch", "--shards", "5", "--json", "gs://p-blendpipe-dev-library/jobs/Nightly Run.yaml"}
	if !slices.Equal(c.Args, wantArgs) {
		t.Errorf("args %q, want %q", c.Args, wantArgs)
	}
	env := map[string]string{}
	for _, e := range c.Env {
		env[e.Name] = e.Value
		if e.ValueFrom != nil {
			env[e.Name] = "from"
		}
	}
	for k, v := range map[string]string{"WORKER_POOL_SIZE": "4", "GCS_BUCKET": job.Bucket, "CORRELATION_ID": "evt-1",
		"MANIFEST": wantArgs[4], "BQ_PROJECT": "from", "POD_NAME": "from", "TMPDIR": "/tmp"} {
		if env[k] != v {
			t.Errorf("env %s = %q, want %q", k, env[k], v)
		}
	}
	if _, ok := env["JOB_COMPLETION_INDEX"]; ok {
		t.Error("JOB_COMPLETION_INDEX is set by Kubernetes, not by the Job")
	}
	if len(c.EnvFrom) != 1 || c.EnvFrom[0].ConfigMapRef.Name != "blendpipe-config" {
		t.Errorf("envFrom %+v", c.EnvFrom)
	}
	if sc := c.SecurityContext; !*sc.ReadOnlyRootFilesystem || *sc.AllowPrivilegeEscalation || *sc.Privileged ||
		!slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) || *sc.RunAsUser != 1000 {
		t.Errorf("container security context %+v", sc)
	}
	if r := c.Resources; r.Requests.Cpu().String() != "2" || r.Limits.Memory().String() != "2Gi" {
		t.Errorf("resources %+v", r)
	}
	if c.LivenessProbe.HTTPGet.Path != "/live" || c.ReadinessProbe.HTTPGet.Path != "/ready" {
		t.Error("probes are not on /live and /ready")
	}

	// A redelivered event: the Job exists, nothing more is created.
	if err := jobs.StartShards(ctx, job); err != nil {
		t.Fatalf("second start: %v", err)
	}
	// A new generation of the manifest is another Job.
	job.Generation++
	if err := jobs.StartShards(ctx, job); err != nil {
		t.Fatal(err)
	}
	creates := 0
	for _, a := range cs.Actions() {
		if a.GetVerb() == "create" {
			creates++
		}
	}
	if list, _ := cs.BatchV1().Jobs("blendpipe").List(ctx, metav1.ListOptions{}); len(list.Items) != 2 || creates != 3 {
		t.Errorf("%d jobs after %d creates, want 2 after 3", len(list.Items), creates)
	}
}

func TestStartShardsReportsRefusals(t *testing.T) {
	t.Parallel()
	cs := fake.NewClientset()
	cs.PrependReactor("create", "jobs", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewForbidden(schema.GroupResource{Group: "batch", Resource: "jobs"}, "x",
			errors.New("blendpipe-dev-blend@p.iam.gserviceaccount.com cannot create jobs"))
	})
	jobs := &kube.Jobs{Client: cs.BatchV1().Jobs("blendpipe"), Config: config(t, testEnv), Log: pipelinetest.Logger(t)}
	err := jobs.StartShards(context.Background(), testJob())
	if !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), "create job blendpipe/blendpipe-batch-") {
		t.Fatalf("error %v, want a forbidden error naming the job", err)
	}
}

func TestLoadConfig(t *testing.T) {
	t.Parallel()
	image := map[string]string{"K8S_WORKER_IMAGE": "worker:1"}
	c := config(t, image)
	if c.MaxParallelism != 8 || c.Namespace != "blendpipe" || c.WorkersPerPod != 4 || c.DeadlineSeconds != 21600 {
		t.Errorf("defaults %+v", c)
	}
	for _, tt := range []struct{ v, value string }{
		{"K8S_WORKER_IMAGE", " "},
		{"K8S_MAX_PARALLELISM", "0"},
		{"K8S_SHARD_MEMORY", "lots"},
		{"K8S_NAMESPACE", "Blend_Pipe"},
		{"K8S_API_SERVER", "https://10.0.0.1"},
		{"K8S_CLUSTER", "my-cluster"},
		{"K8S_WORKER_POOL_SIZE", "four"},
	} {
		t.Run(tt.v, func(t *testing.T) {
			env := map[string]string{"K8S_WORKER_IMAGE": "worker:1", tt.v: tt.value}
			_, err := kube.LoadConfig(context.Background(), envconfig.MapLookuper(env))
			if err == nil || !strings.Contains(err.Error(), tt.v) {
				t.Fatalf("%s=%s: error %v, want one naming the variable", tt.v, tt.value, err)
			}
		})
	}
	if _, err := kube.LoadConfig(context.Background(), envconfig.MapLookuper(map[string]string{
		"K8S_WORKER_IMAGE": "worker:1", "K8S_API_SERVER": "http://10.0.0.1", "K8S_CA_CERT": "QUJD"})); err == nil || !strings.Contains(err.Error(), "https://") {
		t.Errorf("http API server: %v", err)
	}
}

// TestRESTClient creates Jobs through NewClientFor's REST client against a
// server answering as the API server does: the Job the first time, a 409
// AlreadyExists Status the second.
func TestRESTClient(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	created := map[string]bool{}
	var paths []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		paths = append(paths, r.Method+" "+r.URL.Path)
		var job batchv1.Job
		if err := json.NewDecoder(r.Body).Decode(&job); err != nil || job.Kind != "Job" || job.APIVersion != "batch/v1" {
			http.Error(w, fmt.Sprintf("bad body: %v %+v", err, job.TypeMeta), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if created[job.Name] {
			w.WriteHeader(http.StatusConflict)
			json.NewEncoder(w).Encode(apierrors.NewAlreadyExists(schema.GroupResource{Group: "batch", Resource: "jobs"}, job.Name).ErrStatus)
			return
		}
		created[job.Name] = true
		job.UID = "uid-1"
		w.WriteHeader(http.StatusCreated)
		json.NewEncoder(w).Encode(job)
	}))
	defer srv.Close()
	client, err := kube.NewClientFor(&rest.Config{Host: srv.URL}, "blendpipe")
	if err != nil {
		t.Fatal(err)
	}
	jobs := &kube.Jobs{Client: client, Config: config(t, testEnv), Log: pipelinetest.Logger(t)}
	got, err := client.Create(context.Background(), jobs.Job(testJob()), metav1.CreateOptions{})
	if err != nil || got.UID != "uid-1" || *got.Spec.CompletionMode != batchv1.IndexedCompletion {
		t.Fatalf("create: %+v, %v", got, err)
	}
	_, err = client.Create(context.Background(), jobs.Job(testJob()), metav1.CreateOptions{})
	if !apierrors.IsAlreadyExists(err) {
		t.Fatalf("second create: %v, want AlreadyExists", err)
	}
	if err := jobs.StartShards(context.Background(), testJob()); err != nil {
		t.Fatalf("start of an existing job: %v", err)
	}
	if want := "POST /apis/batch/v1/namespaces/blendpipe/jobs"; len(paths) != 3 || paths[0] != want {
		t.Errorf("requests %v, want %s", paths, want)
	}
}

func TestClusterEndpoint(t *testing.T) {
	t.Parallel()
	const cluster = "projects/p/locations/europe-west1/clusters/blendpipe-dev"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v1/" + cluster:
			fmt.Fprint(w, `{"name": "blendpipe-dev", "endpoint": "34.1.2.3", "masterAuth": {"clusterCaCertificate": "LS0tLS1CRUdJTg=="}}`)
		case "/v1/projects/p/locations/europe-west1/clusters/starting":
			fmt.Fprint(w, `{"name": "starting", "status": "PROVISIONING"}`)
		default:
			http.Error(w, `{"error": {"code": 403, "message": "Permission denied"}}`, http.StatusForbidden)
		}
	}))
	defer srv.Close()
	server, ca, err := kube.ClusterEndpoint(context.Background(), srv.Client(), srv.URL+"/v1/", cluster)
	if err != nil || server != "https://34.1.2.3" || ca != "LS0tLS1CRUdJTg==" {
		t.Fatalf("got %q %q %v", server, ca, err)
	}
	if _, _, err := kube.ClusterEndpoint(context.Background(), srv.Client(), srv.URL+"/v1", "projects/p/locations/europe-west1/clusters/starting"); err == nil || !strings.Contains(err.Error(), "no endpoint") {
		t.Errorf("provisioning cluster: %v", err)
	}
	if _, _, err := kube.ClusterEndpoint(context.Background(), srv.Client(), srv.URL+"/v1/", "projects/q/locations/x/clusters/y"); err == nil || !strings.Contains(err.Error(), "HTTP 403") {
		t.Errorf("forbidden: %v", err)
	}
}

// TestJobMatchesTemplate keeps terraform/k8s/templates/shard-job.yaml, the
// Job as people read it, the Job the blend service creates: filled in with
// the template's placeholders, the two are the same object.
func TestJobMatchesTemplate(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("../../terraform/k8s/templates/shard-job.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var tmpl batchv1.Job
	if err := yaml.UnmarshalStrict(data, &tmpl); err != nil {
		t.Fatal(err)
	}
	cfg := config(t, map[string]string{"K8S_WORKER_IMAGE": "REGION-docker.pkg.dev/PROJECT_ID/blendpipe/worker:TAG"})
	job := (&kube.Jobs{Config: cfg}).Job(pipeline.ShardJob{Bucket: "PROJECT_ID-blendpipe-ENV-library", Manifest: "jobs/NAME.yaml",
		Generation: 1, Shards: 4, Blends: 400, CorrelationID: "EVENT_ID"})
	tmpl.Name = job.Name // the template's is a placeholder
	if !apiequality.Semantic.DeepEqual(&tmpl, job) {
		a, _ := yaml.Marshal(&tmpl)
		b, _ := yaml.Marshal(job)
		t.Fatalf("template and generated Job differ:\n--- template\n%s\n--- generated\n%s", a, b)
	}
}

// TestRBACAllowsWhatJobsDoes reads terraform/k8s/base/rbac.yaml: the blend
// service's Kubernetes user may create Jobs in the namespace the Jobs go to.
func TestRBACAllowsWhatJobsDoes(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("../../terraform/k8s/base/rbac.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var role rbacv1.Role
	var binding rbacv1.RoleBinding
	for _, doc := range strings.Split(string(data), "\n---\n") {
		var meta metav1.TypeMeta
		if err := yaml.Unmarshal([]byte(doc), &meta); err != nil {
			t.Fatal(err)
		}
		switch meta.Kind {
		case "Role":
			err = yaml.UnmarshalStrict([]byte(doc), &role)
		case "RoleBinding":
			err = yaml.UnmarshalStrict([]byte(doc), &binding)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	creates := false
	for _, r := range role.Rules {
		if slices.Contains(r.APIGroups, "batch") && slices.Contains(r.Resources, "jobs") && slices.Contains(r.Verbs, "create") {
			creates = true
		}
	}
	if !creates {
		t.Errorf("role %s cannot create batch jobs: %+v", role.Name, role.Rules)
	}
	if binding.RoleRef.Name != role.Name || len(binding.Subjects) != 1 || binding.Subjects[0].Kind != "User" ||
		!strings.HasPrefix(binding.Subjects[0].Name, "blendpipe-ENV-blend@") {
		t.Errorf("binding %+v: want the blend service's Google account as a User bound to %s", binding, role.Name)
	}
	// kustomize puts both in the namespace the Jobs are created in.
	kust, err := os.ReadFile("../../terraform/k8s/base/kustomization.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if ns := config(t, map[string]string{"K8S_WORKER_IMAGE": "worker:1"}).Namespace; !strings.Contains(string(kust), "namespace: "+ns+"\n") {
		t.Errorf("the kustomization does not place the role in namespace %s", ns)
	}
}
