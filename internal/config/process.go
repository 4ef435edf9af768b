package config

import (
	"context"
	"fmt"
	"reflect"
	"strings"

	"github.com/sethvargo/go-envconfig"
)

// Process fills a T (a struct with env tags) through l, the process environment when nil.
// A failure is prefixed by what ("kubernetes batch configuration") and names the variable
// at fault rather than the Go field go-envconfig reports.
func Process[T any](ctx context.Context, l envconfig.Lookuper, what string) (*T, error) {
	if l == nil {
		l = envconfig.OsLookuper()
	}
	var c T
	if err := envconfig.ProcessWith(ctx, &envconfig.Config{Target: &c, Lookuper: l}); err != nil {
		return nil, fmt.Errorf("%s: %s", what, varName[T](err))
	}
	return &c, nil
}

// varName puts the variable's name in go-envconfig's "Field: cause".
func varName[T any](err error) string {
	field, msg, ok := strings.Cut(err.Error(), ": ")
	if f, found := reflect.TypeFor[T]().FieldByName(field); ok && found {
		name, _, _ := strings.Cut(f.Tag.Get("env"), ",")
		return name + ": " + msg
	}
	return err.Error()
}
