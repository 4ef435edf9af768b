// Package kube runs the shards of heavy batch manifests as Kubernetes
// Indexed Jobs: one pod per shard, each running the batch worker on shard
// JOB_COMPLETION_INDEX (pipeline.RunShard). It is the pipeline's
// JobStarter on Kubernetes, kept out of package pipeline so that only the
// blend service links client-go, and only its REST client for batch/v1.
package kube

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path"
	"regexp"
	"strconv"
	"strings"

	"github.com/sethvargo/go-envconfig"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/google"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/client-go/rest"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/config"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/library"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/pipeline"
)

// Config is where and how shard Jobs run. Everything comes from the blend
// service's environment (docs/operations.md); BATCH_RUNNER=gke turns the
// Kubernetes path on, and config.Batch says when a manifest is heavy.
type Config struct {
	// The cluster, called with the service's Google credentials: a GKE
	// cluster (projects/P/locations/L/clusters/C) whose endpoint and CA the
	// GKE API tells, or the API server's https URL and its base64 PEM CA
	// certificate. None of them: the in-cluster configuration.
	Cluster   string `env:"K8S_CLUSTER"`
	APIServer string `env:"K8S_API_SERVER"`
	CACert    string `env:"K8S_CA_CERT"`

	// The Job.
	Image                string `env:"K8S_WORKER_IMAGE"`
	Namespace            string `env:"K8S_NAMESPACE, default=blendpipe"`
	ServiceAccount       string `env:"K8S_SERVICE_ACCOUNT, default=blendpipe-worker"`
	ConfigMap            string `env:"K8S_CONFIGMAP, default=blendpipe-config"`
	Secret               string `env:"K8S_SECRET, default=blendpipe-secrets"`
	MaxParallelism       int32  `env:"K8S_MAX_PARALLELISM, default=8"`
	WorkersPerPod        int    `env:"K8S_WORKER_POOL_SIZE, default=4"`
	CPU                  string `env:"K8S_SHARD_CPU, default=2"`
	Memory               string `env:"K8S_SHARD_MEMORY, default=2Gi"`
	BackoffLimitPerIndex int32  `env:"K8S_BACKOFF_LIMIT_PER_INDEX, default=2"`
	DeadlineSeconds      int64  `env:"K8S_ACTIVE_DEADLINE_SECONDS, default=21600"`
	TTLSeconds           int32  `env:"K8S_TTL_SECONDS, default=86400"`
}

// LoadConfig reads the configuration through l (the process environment
// when nil) and checks it; errors name the variable at fault.
func LoadConfig(ctx context.Context, l envconfig.Lookuper) (*Config, error) {
	c, err := config.Process[Config](ctx, l, "kubernetes batch configuration")
	if err != nil {
		return nil, err
	}
	return c, c.check()
}

func (c *Config) check() error {
	bad := func(v, format string, args ...any) error {
		return fmt.Errorf("kubernetes batch configuration: %s: %s", v, fmt.Sprintf(format, args...))
	}
	switch {
	case strings.TrimSpace(c.Image) == "":
		return bad("K8S_WORKER_IMAGE", "required with BATCH_RUNNER=gke")
	case c.MaxParallelism < 1:
		return bad("K8S_MAX_PARALLELISM", "%d: want 1 or more", c.MaxParallelism)
	case c.WorkersPerPod < 1 || c.WorkersPerPod > 1024:
		return bad("K8S_WORKER_POOL_SIZE", "%d: want 1 to 1024", c.WorkersPerPod)
	case c.BackoffLimitPerIndex < 0:
		return bad("K8S_BACKOFF_LIMIT_PER_INDEX", "%d: want 0 or more", c.BackoffLimitPerIndex)
	case c.DeadlineSeconds < 1:
		return bad("K8S_ACTIVE_DEADLINE_SECONDS", "%d: want 1 or more", c.DeadlineSeconds)
	case c.TTLSeconds < 0:
		return bad("K8S_TTL_SECONDS", "%d: want 0 or more", c.TTLSeconds)
	case c.Cluster != "" && !clusterName.MatchString(c.Cluster):
		return bad("K8S_CLUSTER", "%q: want projects/PROJECT/locations/LOCATION/clusters/NAME", c.Cluster)
	case c.Cluster != "" && c.APIServer != "":
		return bad("K8S_CLUSTER", "set it or K8S_API_SERVER, not both")
	case (c.APIServer == "") != (c.CACert == ""):
		return bad("K8S_API_SERVER", "set it and K8S_CA_CERT together, or neither for the in-cluster configuration")
	case c.APIServer != "" && !strings.HasPrefix(c.APIServer, "https://"):
		return bad("K8S_API_SERVER", "%q: want an https:// URL", c.APIServer)
	}
	if errs := validation.IsDNS1123Label(c.Namespace); len(errs) > 0 {
		return bad("K8S_NAMESPACE", "%q: %s", c.Namespace, strings.Join(errs, "; "))
	}
	if errs := validation.IsDNS1123Subdomain(c.ServiceAccount); len(errs) > 0 {
		return bad("K8S_SERVICE_ACCOUNT", "%q: %s", c.ServiceAccount, strings.Join(errs, "; "))
	}
	if c.CACert != "" {
		if _, err := base64.StdEncoding.DecodeString(c.CACert); err != nil {
			return bad("K8S_CA_CERT", "not base64: %v", err)
		}
	}
	for v, q := range map[string]string{"K8S_SHARD_CPU": c.CPU, "K8S_SHARD_MEMORY": c.Memory} {
		if _, err := resource.ParseQuantity(q); err != nil {
			return bad(v, "%q: %v", q, err)
		}
	}
	return nil
}

// JobCreator creates Jobs in the configured namespace: client-go's typed
// JobInterface (a fake clientset's in tests) or NewClient's REST client.
type JobCreator interface {
	Create(ctx context.Context, job *batchv1.Job, opts metav1.CreateOptions) (*batchv1.Job, error)
}

// NewClient returns a client that creates Jobs in the configured cluster
// and namespace. Outside the cluster it authenticates with the Google
// credentials of the process, which GKE maps to the Kubernetes user named
// by the service account's e-mail.
func NewClient(ctx context.Context, c *Config) (JobCreator, error) {
	if c.Cluster == "" && c.APIServer == "" {
		rc, err := rest.InClusterConfig()
		if err != nil {
			return nil, fmt.Errorf("kubernetes: neither K8S_CLUSTER nor K8S_API_SERVER is set and not in a cluster: %w", err)
		}
		return NewClientFor(rc, c.Namespace)
	}
	ts, err := google.DefaultTokenSource(ctx, "https://www.googleapis.com/auth/cloud-platform")
	if err != nil {
		return nil, fmt.Errorf("kubernetes: google credentials: %w", err)
	}
	server, caCert := c.APIServer, c.CACert
	if c.Cluster != "" {
		if server, caCert, err = ClusterEndpoint(ctx, oauth2.NewClient(ctx, ts), GKEAPI, c.Cluster); err != nil {
			return nil, err
		}
	}
	ca, err := base64.StdEncoding.DecodeString(caCert)
	if err != nil {
		return nil, fmt.Errorf("kubernetes: cluster CA certificate: %w", err)
	}
	rc := &rest.Config{Host: server, TLSClientConfig: rest.TLSClientConfig{CAData: ca}}
	rc.WrapTransport = func(rt http.RoundTripper) http.RoundTripper {
		return &oauth2.Transport{Source: ts, Base: rt}
	}
	return NewClientFor(rc, c.Namespace)
}

// GKEAPI is the GKE API's base URL.
const GKEAPI = "https://container.googleapis.com/v1/"

var clusterName = regexp.MustCompile(`^projects/[^/]+/locations/[^/]+/clusters/[^/]+$`)

// ClusterEndpoint asks the GKE API at base (GKEAPI) for cluster's control
// plane URL and base64 CA certificate. A plain GET of one resource spares
// the blend service the GKE client library.
func ClusterEndpoint(ctx context.Context, hc *http.Client, base, cluster string) (server, caCert string, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(base, "/")+"/"+cluster, nil)
	if err != nil {
		return "", "", err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return "", "", fmt.Errorf("kubernetes: GKE cluster %s: %w", cluster, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return "", "", fmt.Errorf("kubernetes: GKE cluster %s: %w", cluster, err)
	}
	if resp.StatusCode != http.StatusOK {
		return "", "", fmt.Errorf("kubernetes: GKE cluster %s: HTTP %d: %s", cluster, resp.StatusCode, bytes.TrimSpace(body))
	}
	var c struct {
		Endpoint   string `json:"endpoint"`
		MasterAuth struct {
			ClusterCACertificate string `json:"clusterCaCertificate"`
		} `json:"masterAuth"`
	}
	if err := json.Unmarshal(body, &c); err != nil {
		return "", "", fmt.Errorf("kubernetes: GKE cluster %s: %w", cluster, err)
	}
	if c.Endpoint == "" || c.MasterAuth.ClusterCACertificate == "" {
		return "", "", fmt.Errorf("kubernetes: GKE cluster %s has no endpoint or CA certificate yet", cluster)
	}
	return "https://" + c.Endpoint, c.MasterAuth.ClusterCACertificate, nil
}

// NewClientFor returns a client that creates Jobs in namespace through rc.
// It is a REST client of batch/v1 alone rather than client-go's typed
// clientset, whose generated apply configurations would double what
// Kubernetes adds to the blend service's binary.
func NewClientFor(rc *rest.Config, namespace string) (JobCreator, error) {
	s := runtime.NewScheme()
	if err := batchv1.AddToScheme(s); err != nil {
		return nil, err
	}
	metav1.AddToGroupVersion(s, batchv1.SchemeGroupVersion)
	cfg := rest.CopyConfig(rc)
	cfg.GroupVersion = &batchv1.SchemeGroupVersion
	cfg.APIPath = "/apis"
	cfg.NegotiatedSerializer = serializer.NewCodecFactory(s).WithoutConversion()
	cfg.UserAgent = "blendpipe-blend"
	client, err := rest.RESTClientFor(cfg)
	if err != nil {
		return nil, fmt.Errorf("kubernetes client: %w", err)
	}
	return &restJobs{client: client, params: runtime.NewParameterCodec(s), namespace: namespace}, nil
}

type restJobs struct {
	client    *rest.RESTClient
	params    runtime.ParameterCodec
	namespace string
}

func (r *restJobs) Create(ctx context.Context, job *batchv1.Job, opts metav1.CreateOptions) (*batchv1.Job, error) {
	out := &batchv1.Job{}
	err := r.client.Post().Namespace(r.namespace).Resource("jobs").VersionedParams(&opts, r.params).
		Body(job).Do(ctx).Into(out)
	return out, err
}

// Jobs starts shard Jobs through the Kubernetes API.
type Jobs struct {
	Client JobCreator
	Config *Config
	Log    *slog.Logger
}

// StartShards creates job's Indexed Job. Its name follows from the manifest
// and its generation, so a redelivered event finds the Job there
// (AlreadyExists) and starts nothing more.
func (j *Jobs) StartShards(ctx context.Context, job pipeline.ShardJob) error {
	obj := j.Job(job)
	_, err := j.Client.Create(ctx, obj, metav1.CreateOptions{})
	log := j.Log
	if log == nil {
		log = slog.Default()
	}
	switch {
	case apierrors.IsAlreadyExists(err):
		log.InfoContext(ctx, "shard job exists", "job", obj.Name, "namespace", obj.Namespace, "manifest", job.Manifest,
			"correlation_id", job.CorrelationID)
		return nil
	case err != nil:
		return fmt.Errorf("create job %s/%s: %w", obj.Namespace, obj.Name, err)
	}
	log.InfoContext(ctx, "shard job created", "job", obj.Name, "namespace", obj.Namespace, "manifest", job.Manifest,
		"shards", job.Shards, "parallelism", *obj.Spec.Parallelism, "correlation_id", job.CorrelationID)
	return nil
}

// Labels of shard Jobs and their pods (and the NetworkPolicy's selectors).
var podLabels = map[string]string{
	"app.kubernetes.io/name":      "blendpipe-batch",
	"app.kubernetes.io/component": "batch-shard",
	"app.kubernetes.io/part-of":   "blendpipe",
}

// Annotations of a shard Job.
const (
	AnnotationManifest      = "blendpipe/manifest"
	AnnotationGeneration    = "blendpipe/manifest-generation"
	AnnotationCorrelationID = "blendpipe/correlation-id"
)

// JobName names the Job of one generation of a manifest: the manifest's
// name for people, a hash of bucket, name and generation for uniqueness,
// within the 63 characters of a label value (pods carry the Job's name).
func JobName(bucket, manifest string, generation int64) string {
	sum := sha256.Sum256([]byte(bucket + "/" + manifest + "#" + strconv.FormatInt(generation, 10)))
	base := strings.TrimSuffix(path.Base(manifest), path.Ext(manifest))
	slug := library.Slug(base)
	if len(slug) > 30 {
		slug = strings.TrimRight(slug[:30], "-")
	}
	if slug == "" {
		slug = "manifest"
	}
	return "blendpipe-batch-" + slug + "-" + hex.EncodeToString(sum[:5])
}

// ManifestURL is the gs:// URL of the job's manifest, which the pods run.
func ManifestURL(job pipeline.ShardJob) string { return "gs://" + job.Bucket + "/" + job.Manifest }

// Job is the Indexed Job that runs job's shards, shaped like
// terraform/k8s/templates/shard-job.yaml.
func (j *Jobs) Job(job pipeline.ShardJob) *batchv1.Job {
	c := j.Config
	shards := int32(job.Shards)
	parallel := min(shards, c.MaxParallelism)
	indexed := batchv1.IndexedCompletion
	uid, yes, no, memory := int64(1000), true, false, corev1.StorageMediumMemory
	seccomp := &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}
	cpu, mem := resource.MustParse(c.CPU), resource.MustParse(c.Memory)
	res := corev1.ResourceList{corev1.ResourceCPU: cpu, corev1.ResourceMemory: mem,
		corev1.ResourceEphemeralStorage: resource.MustParse("1Gi")}
	tmpSize := resource.MustParse("512Mi")
	probe := func(p string, delay, period int32) *corev1.Probe {
		return &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: p, Port: intstr.FromString("http")}},
			InitialDelaySeconds: delay, PeriodSeconds: period, TimeoutSeconds: 2, FailureThreshold: 3}
	}
	optional := true
	return &batchv1.Job{
		TypeMeta: metav1.TypeMeta{APIVersion: "batch/v1", Kind: "Job"},
		ObjectMeta: metav1.ObjectMeta{
			Name:      JobName(job.Bucket, job.Manifest, job.Generation),
			Namespace: c.Namespace,
			Labels:    podLabels,
			Annotations: map[string]string{
				AnnotationManifest:      ManifestURL(job),
				AnnotationGeneration:    strconv.FormatInt(job.Generation, 10),
				AnnotationCorrelationID: job.CorrelationID,
			},
		},
		Spec: batchv1.JobSpec{
			CompletionMode: &indexed,
			Completions:    &shards,
			Parallelism:    &parallel,
			// A shard that fails for good fails the Job: without it the
			// result cannot be merged, so the others need not run on.
			BackoffLimitPerIndex:    &c.BackoffLimitPerIndex,
			MaxFailedIndexes:        new(int32),
			ActiveDeadlineSeconds:   &c.DeadlineSeconds,
			TTLSecondsAfterFinished: &c.TTLSeconds,
			Template: corev1.PodTemplateSpec{
				// Scraped on the metrics port by managed collection through
				// the PodMonitoring in terraform/k8s/base/podmonitoring.yaml,
				// which selects these labels.
				ObjectMeta: metav1.ObjectMeta{Labels: podLabels},
				Spec: corev1.PodSpec{
					RestartPolicy:                corev1.RestartPolicyNever,
					ServiceAccountName:           c.ServiceAccount,
					AutomountServiceAccountToken: &no,
					SecurityContext: &corev1.PodSecurityContext{RunAsNonRoot: &yes, RunAsUser: &uid, RunAsGroup: &uid,
						FSGroup: &uid, SeccompProfile: seccomp},
					Containers: []corev1.Container{{
						Name:            "shard",
						Image:           c.Image,
						ImagePullPolicy: pullPolicy(c.Image),
						Args:            []string{"batch", "--shards", strconv.Itoa(job.Shards), "--json", ManifestURL(job)},
						Ports: []corev1.ContainerPort{
							{Name: "http", ContainerPort: 8080, Protocol: corev1.ProtocolTCP},
							{Name: "metrics", ContainerPort: 9090, Protocol: corev1.ProtocolTCP},
						},
						EnvFrom: []corev1.EnvFromSource{{ConfigMapRef: &corev1.ConfigMapEnvSource{
							LocalObjectReference: corev1.LocalObjectReference{Name: c.ConfigMap}}}},
						// JOB_COMPLETION_INDEX is Kubernetes' own.
						Env: []corev1.EnvVar{
							{Name: "WORKER_POOL_SIZE", Value: strconv.Itoa(c.WorkersPerPod)},
							{Name: "GCS_BUCKET", Value: job.Bucket},
							{Name: "MANIFEST", Value: ManifestURL(job)},
							{Name: "CORRELATION_ID", Value: job.CorrelationID},
							{Name: "BQ_PROJECT", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
								LocalObjectReference: corev1.LocalObjectReference{Name: c.Secret}, Key: "BQ_PROJECT", Optional: &optional}}},
							{Name: "POD_NAME", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.name"}}},
							{Name: "NODE_NAME", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "spec.nodeName"}}},
							{Name: "TMPDIR", Value: "/tmp"},
						},
						Resources:      corev1.ResourceRequirements{Requests: res, Limits: res},
						LivenessProbe:  probe("/live", 5, 15),
						ReadinessProbe: probe("/ready", 0, 10),
						SecurityContext: &corev1.SecurityContext{
							RunAsNonRoot: &yes, RunAsUser: &uid, RunAsGroup: &uid,
							ReadOnlyRootFilesystem: &yes, AllowPrivilegeEscalation: &no, Privileged: &no,
							Capabilities:   &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
							SeccompProfile: seccomp,
						},
						VolumeMounts: []corev1.VolumeMount{{Name: "tmp", MountPath: "/tmp"}},
					}},
					Volumes: []corev1.Volume{{Name: "tmp", VolumeSource: corev1.VolumeSource{
						EmptyDir: &corev1.EmptyDirVolumeSource{Medium: memory, SizeLimit: &tmpSize}}}},
				},
			},
		},
	}
}

// pullPolicy pulls a moving tag (latest, or none) every time, so that pods
// do not run whatever a node cached, and a fixed one once per node.
func pullPolicy(image string) corev1.PullPolicy {
	if strings.Contains(image, "@") {
		return corev1.PullIfNotPresent
	}
	name := image[strings.LastIndexByte(image, '/')+1:]
	if _, tag, ok := strings.Cut(name, ":"); !ok || tag == "latest" {
		return corev1.PullAlways
	}
	return corev1.PullIfNotPresent
}
