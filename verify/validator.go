//go:build judges

package verify

import (
	"fmt"
	"strings"
	"time"
)

// ValidatorResult is the Khronos glTF validator's report on one file.
type ValidatorResult struct {
	Path     string   `json:"path"`
	Error    string   `json:"error"`
	Errors   int      `json:"errors"`
	Warnings int      `json:"warnings"`
	Infos    int      `json:"infos"`
	Hints    int      `json:"hints"`
	ErrorMsg []string `json:"error_messages"`
	WarnMsg  []string `json:"warning_messages"`
	InfoMsg  []string `json:"info_messages"`
}

// RunValidator validates every path in one node process (gltf_validate.mjs).
func RunValidator(node, script string, paths []string) ([]ValidatorResult, error) {
	var res []ValidatorResult
	if err := runJSON(time.Minute+time.Duration(len(paths))*10*time.Second, &res, node, append([]string{script}, paths...)...); err != nil {
		return nil, err
	}
	if len(res) != len(paths) {
		return nil, fmt.Errorf("gltf_validate.mjs reported %d files for %d", len(res), len(paths))
	}
	return res, nil
}

func judgeValidator(r ValidatorResult) []string {
	if r.Error != "" {
		return []string{"validator failed: " + firstLines(r.Error, 6)}
	}
	if r.Errors > 0 {
		return []string{fmt.Sprintf("%d errors: %s", r.Errors, strings.Join(r.ErrorMsg, "; "))}
	}
	return nil
}
